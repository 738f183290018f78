/**
 * IPC channel names, derived from the contract's method names in one place so the preload and the
 * main-process handlers can never disagree on a hand-typed string. No electron import: both sides
 * (and the tests) share it.
 */
export const CHANNEL_PREFIX = 'vm:';
export const CALL_PREFIX = `${CHANNEL_PREFIX}call:`;
export const SUBSCRIBE_CHANNEL = `${CHANNEL_PREFIX}subscribe`;
export const UNSUBSCRIBE_CHANNEL = `${CHANNEL_PREFIX}unsubscribe`;
/** Sent once by each new page: streams left by the page before it (a reload, a crash) are closed. */
export const PAGE_LOADED_CHANNEL = `${CHANNEL_PREFIX}page-loaded`;
/** Main → renderer: `(subscriptionId, event)` for every event of a live subscription. */
export const EVENT_CHANNEL = `${CHANNEL_PREFIX}event`;

export const callChannel = (method: string): string => `${CALL_PREFIX}${method}`;

/** Subscription ids are chosen by the preload so events that arrive before the reply can be routed. */
export const SUBSCRIPTION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
