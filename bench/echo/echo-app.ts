/**
 * The echo ceilings: a NestJS app on the same Fastify adapter and worker count as the STS.
 * - `POST /echo` (http_echo_rps) parses the same JSON body and returns a constant JSON: whatever
 *   the STS does beyond this is the cost of its token work.
 * - `POST /crypto-echo` (crypto_echo_rps) also verifies the body's ES256 ID token with raw
 *   node:crypto against the bench IdP's key (ECHO_IDP_JWKS, JSON text) and signs a JWS of the
 *   same size with a key of its own: the least an exchange of one ES256 token for another costs.
 *   Only the signatures: the claims checks and the new claims are the STS's own work.
 */
import 'reflect-metadata';
import { BadRequestException, Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { runClustered } from '../../src/cluster/clustered';

const ANSWER = { issued_token: 'constant' };
const ES256 = { dsaEncoding: 'ieee-p1363' } as const;
// On libuv's thread pool, as jose's signatures in the STS are: measured faster here than the synchronous calls.
const verifyAsync = promisify(verify);
const signAsync = promisify(sign);

function idpKey(): KeyObject | undefined {
  const jwks = process.env.ECHO_IDP_JWKS;
  return jwks ? createPublicKey({ key: JSON.parse(jwks).keys[0], format: 'jwk' }) : undefined;
}

@Controller()
class EchoController {
  private readonly idpKey = idpKey();
  private readonly ownKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  @Post('echo')
  @HttpCode(200)
  echo(): object {
    return ANSWER;
  }

  @Post('crypto-echo')
  @HttpCode(200)
  async cryptoEcho(@Body() body: { input_token_state?: { oidc_id_token?: unknown } }): Promise<object> {
    const token = body.input_token_state?.oidc_id_token;
    const dot = typeof token === 'string' ? token.lastIndexOf('.') : -1;
    if (!this.idpKey || dot < 0) throw new BadRequestException('no ID token');
    const signingInput = Buffer.from((token as string).slice(0, dot));
    const signature = Buffer.from((token as string).slice(dot + 1), 'base64url');
    if (!(await verifyAsync('sha256', signingInput, { key: this.idpKey, ...ES256 }, signature))) throw new BadRequestException('bad signature');
    // Same header and claims size: re-signing the input's own signing input makes a same-size JWS.
    const issued = await signAsync('sha256', signingInput, { key: this.ownKey, ...ES256 });
    return { issued_token: `${signingInput.toString()}.${issued.toString('base64url')}` };
  }

  @Get('ready')
  ready(): object {
    return ANSWER;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

async function startWorker(): Promise<void> {
  // skipMiddie as the STS: neither uses Nest middleware.
  const app = await NestFactory.create<NestFastifyApplication>(EchoModule, new FastifyAdapter({ logger: false, skipMiddie: true }), { logger: false });
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  // An orderly exit on SIGTERM, so a CPU profile (bench:cpu --cpu-prof) gets written.
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void runClustered(Number(process.env.STS_WORKERS ?? 1), startWorker);
