export * from './contract';
export * from './client';
export * from './define';
export * from './envelope';
export * from './errors';
export * from './node';
export * from './auth';
export * from './audit';
