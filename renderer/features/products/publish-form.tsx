import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { FormErrors } from './profile-form';

/**
 * What the product and profile editors share: a form checked with the contract's schema, quietly
 * until the first save and then on every edit (so a fixed field loses its message at once), and a
 * save that publishes a new version or places the node's refusal next to its fields.
 */
export function usePublishForm<F, V>(options: {
  initial: () => F;
  check: (form: F) => { value: V } | { errors: FormErrors };
  /** Publishes the checked value: undefined when saved, else the errors to show. */
  publish: (value: V) => Promise<FormErrors | undefined>;
}) {
  const [form, setForm] = useState<F>(options.initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);

  const update = (next: F) => {
    setForm(next);
    if (tried) {
      const r = options.check(next);
      setErrors('errors' in r ? r.errors : {});
    }
  };
  const save = async () => {
    setTried(true);
    const checked = options.check(form);
    if ('errors' in checked) return setErrors(checked.errors);
    setSaving(true);
    const refused = await options.publish(checked.value);
    setSaving(false);
    if (refused) setErrors(refused);
  };
  return { form, errors, saving, update, save };
}

/**
 * The editor's frame: a form that scrolls into view when it opens (it opens below a list, and a
 * click would seem to do nothing), its heading, and the summary of errors and the actions last.
 */
export function PublishForm(props: {
  className: string;
  titleId: string;
  title: string;
  /** What was not saved when there are errors: "definition", "profile". */
  what: string;
  errors: FormErrors;
  saving: boolean;
  onSave: () => Promise<void>;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    // Braces: a browser's scrollIntoView may return a promise, which React would call as a cleanup.
    ref.current?.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
  }, []);
  const { errors, saving } = props;
  const count = Object.keys(errors).length;
  return (
    <form
      ref={ref}
      className={`panel ${props.className}`}
      aria-labelledby={props.titleId}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSave();
      }}
    >
      <h2 id={props.titleId} className="panel__title">
        {props.title}
      </h2>
      {props.children}
      {count > 0 ? (
        <div className="alert alert--error" role="alert">
          <p className="alert__title">
            The {props.what} was not saved:{' '}
            {errors.general ??
              `${count} ${count === 1 ? 'field needs' : 'fields need'} a fix (marked above).`}
          </p>
        </div>
      ) : null}
      <div className="product-editor__actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          {saving ? 'Publishing…' : 'Publish version'}
        </button>
        <button type="button" className="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </form>
  );
}

/** The list with `item` in it or not, as a checkbox was set. */
export const toggled = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
  on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
