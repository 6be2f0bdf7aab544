import { useState, type ReactNode } from 'react';
import { useDownloadInvoice, useInvoices, useTopUps, useTransactions, type Invoice, type Page, type TopUp } from '../../api/billing.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { tabIds, Tabs } from '../../components/ui/Tabs.tsx';
import { formatDate, formatDateTime, formatRelativeTime, formatRwf } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import {
  formatPeriod,
  formatSignedRwf,
  isPayable,
  kindLabel,
  kindTone,
  paymentMethodLabel,
  topUpStatusLabel,
  topUpStatusTone,
} from './billing-rules.ts';

/** "1–20 of 57" with Previous and Next, under a table of one page. */
function Pager({ page, label, onPage, fetching }: { page: Page<unknown>; label: string; onPage: (page: number) => void; fetching: boolean }) {
  const pages = Math.max(1, Math.ceil(page.total / page.limit));
  if (pages <= 1) return null;
  const from = (page.page - 1) * page.limit + 1;
  const to = Math.min(page.total, page.page * page.limit);
  return (
    <nav className="billing-pager" aria-label={`${label} pages`}>
      <span className="billing-pager-text" aria-live="polite">
        {from}–{to} of {page.total}
      </span>
      <Button size="sm" disabled={page.page <= 1 || fetching} onClick={() => onPage(page.page - 1)}>
        Newer
      </Button>
      <Button size="sm" disabled={page.page >= pages || fetching} onClick={() => onPage(page.page + 1)}>
        Older
      </Button>
    </nav>
  );
}

function Transactions() {
  const [page, setPage] = useState(1);
  const query = useTransactions(page);
  const now = useNow();
  return (
    <QueryView query={query} what="the transactions">
      {(list) =>
        list.items.length === 0 ? (
          <EmptyState icon="activity" title="No transactions yet">
            <p>Top-ups, usage charged to the wallet and credits are listed here, newest first.</p>
          </EmptyState>
        ) : (
          <>
            <div className="table-scroll">
              <table className="table billing-table billing-ledger" aria-label="Transactions">
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Type</th>
                    <th scope="col">Description</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((t) => (
                    <tr key={t.id}>
                      <td className="cell-muted cell-when" title={formatDateTime(t.createdAt)}>
                        {formatRelativeTime(t.createdAt, now)}
                      </td>
                      <td className="cell-kind">
                        <Badge tone={kindTone[t.kind]}>{kindLabel[t.kind]}</Badge>
                      </td>
                      <td className="billing-description cell-desc">{t.description}</td>
                      <td className={t.amount > 0 ? 'num cell-amount billing-credit' : 'num cell-amount'}>{formatSignedRwf(t.amount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={list} label="Transactions" onPage={setPage} fetching={query.isFetching} />
          </>
        )
      }
    </QueryView>
  );
}

function TopUps({ checkoutLink }: { checkoutLink: (topUp: TopUp & { paymentLinkUrl: string }) => string }) {
  const [page, setPage] = useState(1);
  const query = useTopUps(page);
  const now = useNow();
  return (
    <QueryView query={query} what="the top-ups">
      {(list) =>
        list.items.length === 0 ? (
          <EmptyState icon="wallet" title="No top-ups yet">
            <p>Each top-up through IremboPay is listed here with its invoice number and status.</p>
          </EmptyState>
        ) : (
          <>
            <div className="table-scroll">
              <table className="table billing-table billing-topups" aria-label="Top-ups">
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Paid with</th>
                    <th scope="col">IremboPay invoice</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((t) => (
                    <tr key={t.id}>
                      <td className="cell-muted cell-when" title={formatDateTime(t.createdAt)}>
                        {formatRelativeTime(t.createdAt, now)}
                      </td>
                      <td className="num cell-amount">{formatRwf(t.amount)}</td>
                      <td className="cell-status">
                        <Badge tone={isPayable(t, now) || t.status !== 'PENDING' ? topUpStatusTone[t.status] : 'neutral'}>
                          {t.status === 'PENDING' && !isPayable(t, now) ? 'Expired' : topUpStatusLabel[t.status]}
                        </Badge>
                      </td>
                      <td className="cell-method">{t.status === 'PAID' ? paymentMethodLabel(t.paymentMethod) : <span className="cell-muted">—</span>}</td>
                      <td className="cell-invoice">{t.invoiceNumber ? <code className="slug">{t.invoiceNumber}</code> : <span className="cell-muted">—</span>}</td>
                      <td className="cell-actions cell-action">
                        {isPayable(t, now) && t.paymentLinkUrl ? (
                          <a className="btn btn-secondary btn-sm" href={checkoutLink({ ...t, paymentLinkUrl: t.paymentLinkUrl })} aria-label={`Pay the top-up of ${formatRwf(t.amount)}`}>
                            Pay
                          </a>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={list} label="Top-ups" onPage={setPage} fetching={query.isFetching} />
          </>
        )
      }
    </QueryView>
  );
}

function DownloadButton({ invoice }: { invoice: Invoice }) {
  const download = useDownloadInvoice();
  return (
    <span className="billing-download">
      <Button size="sm" variant="secondary" disabled={download.isPending} onClick={() => download.mutate(invoice)} aria-label={`Download invoice ${invoice.number} (PDF)`}>
        <Icon name="fileText" size={15} />
        {download.isPending ? 'Preparing…' : 'PDF'}
      </Button>
      {download.isError ? (
        <span className="field-error" role="alert">
          {download.error.message}
        </span>
      ) : null}
    </span>
  );
}

function Invoices() {
  const [page, setPage] = useState(1);
  const query = useInvoices(page);
  return (
    <QueryView query={query} what="the invoices">
      {(list) =>
        list.items.length === 0 ? (
          <EmptyState icon="fileText" title="No invoices yet">
            <p>On the 1st of each month you get an invoice for the month before, if the team used anything. It lists each compute and address, VAT included, and is paid from the wallet.</p>
          </EmptyState>
        ) : (
          <>
            <div className="table-scroll">
              <table className="table billing-table billing-invoices" aria-label="Invoices">
                <thead>
                  <tr>
                    <th scope="col">Invoice</th>
                    <th scope="col">Period</th>
                    <th scope="col" className="num">
                      Usage
                    </th>
                    <th scope="col" className="num">
                      Credits
                    </th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col">Issued</th>
                    <th scope="col">
                      <span className="visually-hidden">Download</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((invoice) => (
                    <tr key={invoice.id}>
                      <td className="cell-invoice">
                        <code className="slug">{invoice.number}</code>
                      </td>
                      <td className="cell-period">{formatPeriod(invoice.period)}</td>
                      <td className="num cell-extra">{formatRwf(invoice.usageTotal)}</td>
                      <td className="num cell-extra">{invoice.credits === 0 ? '—' : formatRwf(-Math.abs(invoice.credits))}</td>
                      <td className="num cell-amount">
                        <strong>{formatRwf(invoice.total)}</strong>
                        <span className="billing-vat">incl. VAT {formatRwf(invoice.tax)}</span>
                      </td>
                      <td className="cell-muted cell-extra">{formatDate(invoice.issuedAt)}</td>
                      <td className="cell-actions cell-action">
                        <DownloadButton invoice={invoice} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={list} label="Invoices" onPage={setPage} fetching={query.isFetching} />
          </>
        )
      }
    </QueryView>
  );
}

type HistoryTab = 'transactions' | 'top-ups' | 'invoices';
const tabs = [
  { id: 'transactions', label: 'Transactions' },
  { id: 'top-ups', label: 'Top-ups' },
  { id: 'invoices', label: 'Invoices' },
] as const;

/**
 * The wallet's history in three tabs: every ledger movement, the top-ups with their IremboPay
 * status (and a way to pay one still open), and the monthly invoices as PDF.
 */
export function BillingHistory({
  checkoutLink,
  tab,
  onTab,
}: {
  checkoutLink: (topUp: TopUp & { paymentLinkUrl: string }) => string;
  tab: HistoryTab;
  onTab: (tab: HistoryTab) => void;
}) {
  const ids = tabIds('billing-history', tab);
  let panel: ReactNode;
  if (tab === 'transactions') panel = <Transactions />;
  else if (tab === 'top-ups') panel = <TopUps checkoutLink={checkoutLink} />;
  else panel = <Invoices />;
  return (
    <Card title="History" headingId="billing-history-heading" description="Newest first. Amounts in RWF; invoices include VAT." flush>
      <div className="billing-tabs">
        <Tabs label="Billing history" idBase="billing-history" tabs={tabs} value={tab} onChange={onTab} />
      </div>
      <div role="tabpanel" id={ids.panel} aria-labelledby={ids.tab} className="billing-tabpanel">
        {panel}
      </div>
    </Card>
  );
}

export type { HistoryTab };
