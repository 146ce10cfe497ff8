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
  const pem = config.ssl ? readPem(config.ssl) : undefined;
  // The PEM material for a listener that speaks SSL, undefined for a plaintext one.
  const client = config.securityProtocols.client === 'SSL' ? pem : undefined;
  const peer = config.securityProtocols.peer === 'SSL' ? pem : undefined;
  return {
    clientServer: client ? serverTls(client, config.ssl!.clientAuthRequired) : grpc.ServerCredentials.createInsecure(),
    clientChannel: client ? channelTls(client) : grpc.credentials.createInsecure(),
    peerServer: peer ? serverTls(peer, true) : grpc.ServerCredentials.createInsecure(),
    peerChannel: peer ? channelTls(peer) : grpc.credentials.createInsecure(),
  };
}
