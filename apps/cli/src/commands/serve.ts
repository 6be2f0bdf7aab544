import { createPlatform, type Config } from '@strettch/api';

export async function serve(config: Config): Promise<void> {
  const started = performance.now();
  const platform = await createPlatform(config);
  const address = config.ROLES.includes('http') ? await platform.listen() : undefined;
  if (config.ROLES.includes('worker')) await platform.startWorker();
  let dns: Awaited<ReturnType<typeof platform.startDns>> | undefined;
  if (config.ROLES.includes('dns')) {
    try {
      dns = await platform.startDns();
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Alongside the API, a taken DNS port (another server, mDNS on 5353) should not stop the rest.
      if (!config.ROLES.includes('http') || (code !== 'EADDRINUSE' && code !== 'EACCES')) throw err;
      console.warn(`  Warning: the DNS server did not start: ${config.DNS_HOST} port ${config.DNS_PORT} is ${code === 'EACCES' ? 'not allowed' : 'in use'}; set DNS_PORT to a free port (0 picks one).`);
    }
  }
  const ms = Math.round(performance.now() - started);
  const url = config.PUBLIC_URL;
  console.log(`Strettch Cloud is ready in ${ms} ms (roles: ${config.ROLES.join(', ')}${address ? `; listening on ${address}` : ''})`);
  if (dns) console.log(`  DNS:            ${dns.address.host} port ${dns.address.port}, UDP and TCP (try: dig @${dns.address.host} -p ${dns.address.port} <your domain> SOA)`);
  if (address) {
    console.log(`  Console:        ${url}/`);
    console.log(`  API:            ${url}/api/v1`);
    console.log(`  API reference:  ${url}/api/docs`);
  }
  if (platform.deps.hypervisor.simulated) {
    console.warn(`  Hypervisor:     ${platform.deps.hypervisor.kind}: computes are simulated, for demos and tests only (no virtual machine runs)`);
  }
  if (config.sandboxesEnabled) {
    console.log('  Sandbox mode: payments, e-mail, SMS and sign-in use built-in test providers.');
    console.log(`  Mailbox:        ${url}/dev/mail   SMS outbox: ${url}/dev/sms`);
    if (config.devSignIn) console.log(`  Sign-in:        ${url}/auth/dev/start (development provider: "sign in as" anyone; \`strettch dev seed\` for an API key)`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(config.HOST)) {
      console.warn(`  Warning: the sandboxes' development pages (mailbox, SMS outbox, development sign-in, seed) answer anyone who reaches ${config.HOST}; keep sandbox mode on loopback.`);
    }
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}: stopping gracefully`);
    const timer = setTimeout(() => {
      console.error('Graceful stop timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    try {
      await platform.stop();
      process.exit(0);
    } catch (err) {
      console.error('Stop failed:', err instanceof Error ? err.name : 'error');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
