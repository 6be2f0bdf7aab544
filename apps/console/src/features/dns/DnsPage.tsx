import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';

const recordTypes = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA'];

export function DnsPage() {
  return (
    <>
      <PageHeader title="DNS" description="Authoritative DNS for your domains: zones, their activation status and records." />
      <Card>
        <EmptyState icon="globe" title="No DNS zones yet">
          <p>Domains you add will be listed here with their activation status and the nameservers to set at your registrar.</p>
          <p className="empty-state-note">
            Supported record types:{' '}
            {recordTypes.map((t, i) => (
              <span key={t}>
                <code>{t}</code>
                {i < recordTypes.length - 1 ? ' ' : ''}
              </span>
            ))}
          </p>
        </EmptyState>
      </Card>
    </>
  );
}
