import { useState, type FormEvent } from 'react';

/**
 * Name + secret value form for environment variables (project or context). The value field is a password
 * input and is cleared once `onSubmit` resolves.
 */
export function VariableForm({ label, busy, onSubmit }: { label: string; busy: boolean; onSubmit: (name: string, value: string) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(name.trim(), value).then(
      () => {
        setName('');
        setValue('');
      },
      () => undefined,
    );
  };
  return (
    <form className="row" onSubmit={submit} style={{ marginTop: 12, alignItems: 'flex-end' }} aria-label={label}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[A-Za-z_][A-Za-z0-9_]*" />
      </label>
      <label>
        Value
        <input type="password" value={value} onChange={(e) => setValue(e.target.value)} required autoComplete="off" />
      </label>
      <button type="submit" disabled={busy}>
        Add variable
      </button>
    </form>
  );
}
