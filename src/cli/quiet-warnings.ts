/**
 * Drops one Node.js warning, DEP0123 ("Setting the TLS ServerName to an IP address is not permitted
 * by RFC 6066"), which grpc-js triggers on every TLS connection to a node addressed by IP, as
 * most deployments are. Only SNI is affected; the certificate is still checked against the IP
 * address (its subject alternative names). Every other warning is printed as usual. Imported first
 * by main.ts, so a CLI error stays one line.
 */
const ignoredCodes = new Set(['DEP0123']);
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;

function codeOf(args: readonly unknown[]): unknown {
  const [, typeOrOptions, code] = args;
  return typeof typeOrOptions === 'object' && typeOrOptions !== null ? (typeOrOptions as { code?: unknown }).code : code;
}

process.emitWarning = ((...args: unknown[]) => {
  if (ignoredCodes.has(String(codeOf(args)))) return;
  emitWarning(...args);
}) as typeof process.emitWarning;
