import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { ImagesList } from './ImagesList.tsx';
import { RegionsList } from './RegionsList.tsx';
import { SizesTable } from './SizesTable.tsx';

export function ComputesPage() {
  return (
    <>
      <PageHeader title="Computes" description="Your team’s virtual machines in Rwanda: create, power, resize and delete them, billed by the hour from your wallet." />
      <Card>
        <EmptyState icon="server" title="No computes to show">
          <p>Your team’s computes will be listed here, with their state, IP address and size, once you are signed in.</p>
        </EmptyState>
      </Card>
      <Card title="Sizes" headingId="sizes-heading" description="What a compute can be created with. Prices in RWF arrive with billing." flush>
        <SizesTable captionId="sizes-heading" />
      </Card>
      <div className="grid-2">
        <Card title="Regions" headingId="regions-heading" description="Data centres where computes run.">
          <RegionsList />
        </Card>
        <Card title="Images" headingId="images-heading" description="Operating systems and ready-made applications to start from.">
          <ImagesList />
        </Card>
      </div>
    </>
  );
}
