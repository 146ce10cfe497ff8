/**
 * The gRPC credentials of a node's two listeners and of its calls to other nodes, from
 * `listener.security.protocol.map` and the `ssl.*` PEM files (docs/CONFIG.md, deploy/README.md).
 *
 * PEER over SSL is mutual TLS both ways: the node's server asks every peer for a certificate the CA
 * signed, and its dialer presents its own. CLIENT over SSL: clients check the node's certificate;
 * with ssl.client.auth=required they must present one too. A node calling another node's CLIENT
 * listener (its heartbeat to the metadata leader) always presents its certificate.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { NodeConfig, SslFiles } from '../config/index.js';

export interface NodeCredentials {
  readonly clientServer: grpc.ServerCredentials;
  readonly peerServer: grpc.ServerCredentials;
  readonly peerChannel: grpc.ChannelCredentials;
  /** For this node's calls to other nodes' CLIENT listeners. */
  readonly clientChannel: grpc.ChannelCredentials;
}

interface Pem {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function readPem(ssl: SslFiles): Pem {
  return { ca: readFileSync(ssl.caPath), cert: readFileSync(ssl.certificatePath), key: readFileSync(ssl.keyPath) };
}

function serverTls(pem: Pem, requireClientCert: boolean): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(pem.ca, [{ private_key: pem.key, cert_chain: pem.cert }], requireClientCert);
}

function channelTls(pem: Pem): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(pem.ca, pem.key, pem.cert);
}

export function nodeCredentials(config: NodeConfig): NodeCredentials {
  const insecure = { server: grpc.ServerCredentials.createInsecure(), channel: grpc.credentials.createInsecure() };
  const pem = config.ssl ? readPem(config.ssl) : undefined;
  const clientSsl = pem !== undefined && config.securityProtocols.client === 'SSL';
  const peerSsl = pem !== undefined && config.securityProtocols.peer === 'SSL';
  return {
    clientServer: clientSsl ? serverTls(pem, config.ssl!.clientAuthRequired) : insecure.server,
    clientChannel: clientSsl ? channelTls(pem) : insecure.channel,
    peerServer: peerSsl ? serverTls(pem, true) : grpc.ServerCredentials.createInsecure(),
    peerChannel: peerSsl ? channelTls(pem) : grpc.credentials.createInsecure(),
  };
}
