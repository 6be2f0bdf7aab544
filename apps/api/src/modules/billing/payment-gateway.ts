/**
 * What billing needs from a payment provider (IremboPay's contract, providers.md §1). The
 * production client and the built-in sandbox both speak it over HTTP; tests may point it at a
 * sandbox server of their own.
 */
export interface GatewayInvoice {
  invoiceNumber: string;
  transactionId: string;
  amount: number;
  currency: string;
  paymentStatus: string;
  paymentMethod?: string | null;
  paidAt?: Date | null;
  expiryAt?: Date | null;
  paymentLinkUrl: string;
}

export interface PaymentGateway {
  createInvoice(input: { transactionId: string; amount: number; description: string; expiryAt: Date; language: 'EN' | 'FR' | 'RW' }): Promise<GatewayInvoice>;
  /** By invoice number or our transaction id; null when the provider does not know it. */
  getInvoice(ref: string): Promise<GatewayInvoice | null>;
  initiatePush(input: { accountIdentifier: string; paymentProvider: 'MTN' | 'AIRTEL'; invoiceNumber: string }): Promise<unknown>;
}

/** A confirmed payment, from a verified notification or from polling the provider. */
export interface PaymentConfirmation {
  invoiceNumber: string;
  transactionId?: string | null;
  amount: number;
  currency?: string | null;
  paymentStatus?: string | null;
  paymentMethod?: string | null;
  paidAt?: Date | null;
}
