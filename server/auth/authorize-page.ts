/** The demo sign-in and patient picker page of the standalone launch: plain HTML, no script. */
import { AUTHORIZE_PARAMS } from './authorize.ts';

export interface PatientChoice {
  id: string;
  label: string;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page for an authorization request; `patients` when the user must pick one. */
export function authorizePage(options: {
  params: URLSearchParams;
  clientName: string;
  scopes: string[];
  patients?: PatientChoice[];
  message?: string;
  siteName: string;
}): string {
  const hidden = AUTHORIZE_PARAMS.map((name) => options.params.get(name))
    .map((value, i) => (value === null ? '' : `<input type="hidden" name="${AUTHORIZE_PARAMS[i]}" value="${escape(value)}">`))
    .join('');
  const picker = options.patients
    ? `<fieldset><legend>Patient</legend>${options.patients
        .map((p, i) => `<label><input type="radio" name="patient" value="${escape(p.id)}"${i === 0 ? ' checked' : ''}> ${escape(p.label)}</label><br>`)
        .join('')}${options.patients.length === 0 ? '<p>No patients on this site.</p>' : ''}</fieldset>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to ${escape(options.siteName)}</title></head>
<body>
<h1>Sign in to ${escape(options.siteName)}</h1>
<p><strong>${escape(options.clientName)}</strong> asks for: <code>${escape(options.scopes.join(' '))}</code></p>
${options.message ? `<p role="alert">${escape(options.message)}</p>` : ''}
<form method="post" action="authorize">${hidden}
<label>User name <input name="username" autocomplete="username"></label><br>
<label>Password <input name="password" type="password" autocomplete="current-password"></label><br>
${picker}
<button type="submit">Sign in and allow</button>
</form>
</body></html>`;
}
