import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { joinChannelSchema, leaveChannelSchema, listChannelsSchema, type Channel, type JoinBody } from '../schemas/channels.ts'
import { negotiateFormat, openMessageStream } from '../message-stream.ts'
import { badRequest } from '../../core/errors.ts'
import type { ChannelSummary, Connector } from '../../telegram/connector.ts'
import { parseChannelName, parseLink, parseUsername, type JoinTarget } from '../../core/channel-reference.ts'
import { telethonDate } from '../../telegram/history/telethon-shape.ts'

export function channelsRoute(connector: Connector): FastifyPluginAsync {
  return async (app) => {
    const typed = app.withTypeProvider<TypeBoxTypeProvider>()

    typed.get('/channels', { schema: listChannelsSchema }, async (request, reply) => {
      const format = negotiateFormat(request.headers.accept)
      const stream = await openMessageStream(connector.channels(), (channel) => JSON.stringify(channelJson(channel)), format)
      return reply.type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json; charset=utf-8').send(stream)
    })

    typed.post('/channels', { schema: joinChannelSchema }, async (request, reply) => {
      const { joined, channel } = await connector.joinChannel(joinTarget(request.body))
      return reply.code(joined ? 201 : 200).send(channelJson(channel))
    })

    typed.delete('/channels/:channel', { schema: leaveChannelSchema }, async (request, reply) => {
      const name = parseChannelName(request.params.channel)
      if (name === null) throw badRequest('path parameter "channel": expected a username, a channel id or a -100-prefixed id')
      await connector.leaveChannel(name)
      return (reply as FastifyReply).code(204).send()
    })
  }
}

function joinTarget(body: JoinBody): JoinTarget {
  if ((body.username === undefined) === (body.link === undefined)) {
    throw badRequest('send exactly one of "username" and "link"')
  }
  if (body.username !== undefined) {
    const username = parseUsername(body.username)
    if (username === null) throw badRequest('body field "username": letters, digits and underscores, starting with a letter')
    return { kind: 'username', username }
  }
  const target = parseLink(body.link as string)
  if (target === null) throw badRequest('body field "link": expected https://t.me/<username>, https://t.me/+<hash> or https://t.me/joinchat/<hash>')
  return target
}

function channelJson(channel: ChannelSummary): Channel {
  return {
    id: channel.id,
    username: channel.username,
    title: channel.title,
    type: channel.type,
    participants_count: channel.participantsCount,
    last_message_date: channel.lastMessageDate === null ? null : telethonDate(channel.lastMessageDate),
  }
}
