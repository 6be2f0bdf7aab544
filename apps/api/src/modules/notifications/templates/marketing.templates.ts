import { z } from 'zod';
import { link, localizedText } from './fields.ts';
import { splitParagraphs } from './privacy.templates.ts';
import { defineEmailTemplate } from './types.ts';

/**
 * Direct marketing. Never sent to a person who objected or to a minor (the sending service
 * checks `users.marketing_objected_at` and `users.is_minor`); the renderer adds the opt-out
 * footer to every `marketing` template, so no template can forget it.
 */
export const productNews = defineEmailTemplate({
  name: 'product-news',
  category: 'marketing',
  description: 'News about Strettch Cloud products, written by us in each language.',
  schema: z.strictObject({ title: localizedText(150), body: localizedText(3000), url: link().optional() }),
  sampleVariables: {
    title: { en: 'Object storage is coming to Strettch Cloud', fr: 'Le stockage objet arrive sur Strettch Cloud' },
    body: {
      en: 'Store files and backups in Rwanda with an S3-compatible API.\nEarly access opens next month.',
      fr: 'Stockez vos fichiers et vos sauvegardes au Rwanda grâce à une API compatible S3.\nL’accès anticipé ouvre le mois prochain.',
    },
    url: '/news/object-storage',
  },
  sampleVariants: [{ title: { en: 'Faster computes in kigali-1' }, body: { en: 'New hosts are in service.' } }],
  messages: {
    action: 'Learn more',
  },
  compose: (v, { t, pick, link: resolve }) => {
    const body = pick('body', v.body);
    return {
      subject: pick('title', v.title),
      blocks: [
        ...splitParagraphs(body.text).map((text) => ({ type: 'paragraph' as const, text: { text, lang: body.lang } })),
        ...(v.url ? [{ type: 'action' as const, label: t('action'), href: resolve('url', v.url) }] : []),
      ],
    };
  },
});
