/**
 * The http_echo_rps ceiling: a NestJS app on the same Fastify adapter and worker count as the
 * STS, whose handler parses the same JSON body and returns a constant JSON. Whatever the STS does
 * beyond this is the cost of its token work.
 */
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { runClustered } from '../../src/cluster/clustered';

const ANSWER = { issued_token: 'constant' };

@Controller()
class EchoController {
  @Post('echo')
  @HttpCode(200)
  echo(): object {
    return ANSWER;
  }

  @Get('ready')
  ready(): object {
    return ANSWER;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

async function startWorker(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(EchoModule, new FastifyAdapter({ logger: false }), { logger: false });
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

void runClustered(Number(process.env.STS_WORKERS ?? 1), startWorker);
