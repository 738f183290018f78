import { useId, type ReactNode } from 'react';
import './form.css';

/** What a field's control needs to be labelled, described and marked invalid. */
export interface FieldControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A labelled form field whose hint and error sit outside the label and are tied to the control by
 * `aria-describedby`, so a screen reader reads the label as the name and the error as its note.
 */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.error ? errorId : undefined, props.hint ? hintId : undefined]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.className ? `field ${props.className}` : 'field'}>
      <label className="field__label" htmlFor={id}>
        {props.label}
      </label>
      {props.children({
        id,
        ...(props.error ? { 'aria-invalid': true as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {props.hint ? (
        <span id={hintId} className="field__hint">
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span id={errorId} className="field__error">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}
