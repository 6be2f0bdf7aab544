import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';

/**
 * The data subject's rights under Rwanda's Law relating to the protection of personal data
 * and privacy, as our privacy notice (section 6) lists them. Each becomes a request the user
 * can make from this page.
 */
const rights: Array<{ name: string; text: string }> = [
  { name: 'Access', text: 'A copy of your data, why it is processed, and who has had access to it.' },
  { name: 'Rectification', text: 'Correct inaccurate data and complete what is missing.' },
  { name: 'Erasure', text: 'Have your data deleted when there is no longer a reason to keep it.' },
  { name: 'Portability', text: 'Receive the data you gave us in a structured, readable format.' },
  { name: 'Objection and restriction', text: 'Object to processing, or pause it while a question is settled.' },
  { name: 'Heir', text: 'Designate who may exercise these rights for your data after you.' },
];

export function AccountPage() {
  return (
    <>
      <PageHeader title="Account & Privacy" description="Your profile, sign-in methods and phone number, and your privacy centre: see, export, correct or erase your data." />
      <Card>
        <EmptyState icon="shield" title="No privacy requests yet">
          <p>Requests you make will be listed here with their status and the date we must answer by.</p>
        </EmptyState>
      </Card>
      <Card title="Your rights" headingId="rights-heading" description="Under Rwanda’s law on the protection of personal data and privacy.">
        <ul className="rights-list">
          {rights.map((r) => (
            <li key={r.name}>
              <span className="rights-name">{r.name}</span>
              <span className="rights-text">{r.text}</span>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
