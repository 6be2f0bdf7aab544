/**
 * The sandbox's hosted checkout: plain HTML forms with inline styles only, because the platform's
 * content security policy allows scripts from our own origin only (`script-src 'self'`).
 */

export interface CheckoutView {
  invoiceNumber: string;
  amount: number;
  currency: string;
  description?: string;
}

/** The methods a payer can pick on the page, in IremboPay's `paymentMethod` names. */
export const CHECKOUT_METHODS = [
  { value: 'MTN_MOMO', label: 'MTN MoMo' },
  { value: 'AIRTEL_MONEY', label: 'Airtel Money' },
  { value: 'ONLINE_CARD', label: 'Card' },
] as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const formatAmount = (amount: number, currency: string) => `${new Intl.NumberFormat('en').format(amount)} ${currency}`;

const style = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { width: min(26rem, calc(100vw - 2rem)); padding: 1.5rem 0; }
  .banner { border: 2px solid #b45309; background: #fef3c7; color: #451a03; padding: .75rem 1rem; border-radius: .5rem; margin: 0 0 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  .amount { font-size: 2rem; font-weight: 700; margin: .5rem 0 0; }
  .meta { margin: 0; opacity: .8; }
  fieldset { border: 1px solid #6b7280; border-radius: .5rem; margin: 1.5rem 0 0; padding: .5rem 1rem 1rem; }
  legend { font-weight: 600; padding: 0 .25rem; }
  .method { display: flex; align-items: center; gap: .5rem; margin-top: .5rem; }
  input[type=radio] { width: 1.125rem; height: 1.125rem; margin: 0; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: transparent; color: inherit; border-color: #6b7280; }
  .status { font-size: 1.25rem; font-weight: 700; margin: 1.5rem 0 .5rem; }
  .paid { color: #15803d; }
  .failed { color: #b91c1c; }
`;

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · IremboPay sandbox</title>
<style>${style}</style>
</head>
<body>
<main>
<p class="banner" role="note"><strong>IremboPay sandbox.</strong> No money moves: this page stands in for IremboPay's checkout while the built-in sandboxes are on.</p>
${body}
</main>
</body>
</html>`;
}

function summary(view: CheckoutView): string {
  return `<h1>Invoice ${escapeHtml(view.invoiceNumber)}</h1>
${view.description ? `<p class="meta">${escapeHtml(view.description)}</p>` : ''}
<p class="amount">${escapeHtml(formatAmount(view.amount, view.currency))}</p>`;
}

function returnLink(returnUrl: string | undefined): string {
  return returnUrl ? `<p><a href="${escapeHtml(returnUrl)}">Return to the merchant</a></p>` : '';
}

/** The payment form: a method, then Pay or Fail payment, posted to `action`. */
export function checkoutPage(view: CheckoutView, action: string, returnUrl: string | undefined, problem?: string): string {
  const methods = CHECKOUT_METHODS.map(
    (m, i) => `<div class="method"><input type="radio" id="method-${m.value}" name="paymentMethod" value="${m.value}"${i === 0 ? ' checked' : ''} required><label for="method-${m.value}">${m.label}</label></div>`,
  ).join('\n');
  return shell(
    `Pay invoice ${view.invoiceNumber}`,
    `${summary(view)}
${problem ? `<p class="status failed" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
${returnUrl ? `<input type="hidden" name="returnUrl" value="${escapeHtml(returnUrl)}">` : ''}
<fieldset>
<legend>Pay with</legend>
${methods}
</fieldset>
<div class="actions">
<button class="primary" type="submit" name="action" value="pay">Pay ${escapeHtml(formatAmount(view.amount, view.currency))}</button>
<button class="secondary" type="submit" name="action" value="fail" formnovalidate>Fail payment</button>
</div>
</form>`,
  );
}

/** A final state: paid, expired, failed or unknown. `retry` links back to the form. */
export function checkoutStatusPage(
  view: CheckoutView | undefined,
  state: 'paid' | 'expired' | 'failed' | 'not-found',
  returnUrl: string | undefined,
  retry?: string,
): string {
  if (!view || state === 'not-found') {
    return shell('Invoice not found', '<h1>Invoice not found</h1>\n<p role="status">There is no invoice with this number.</p>');
  }
  const texts: Record<'paid' | 'expired' | 'failed', readonly [string, string, string]> = {
    paid: ['Paid', 'paid', 'The payment is done and the merchant has been notified.'],
    expired: ['Invoice expired', 'failed', 'This invoice has expired and can no longer be paid.'],
    failed: ['Payment failed', 'failed', 'The payment did not go through. Nothing was charged.'],
  };
  const [heading, tone, detail] = texts[state];
  return shell(
    heading,
    `${summary(view)}
<p class="status ${tone}" role="status">${heading}</p>
<p>${detail}</p>
${retry ? `<p><a href="${escapeHtml(retry)}">Try again</a></p>` : ''}
${returnLink(returnUrl)}`,
  );
}
