import type { TlObject } from '../../tl/tl-object.ts'
import { nowSeconds, type HandlerContext, type HandlerTable } from '../handler.ts'

/**
 * help.* — what a client asks before anything else. dc_options name the emulator's five DCs
 * (each a main and a media-only entry at the same address), so a client that follows them
 * (mtcute, gramjs) keeps talking to it whatever DC it migrates to.
 */
export const helpHandlers: HandlerTable = {
  'help.getConfig': { signedIn: false, run: configOf },
  'help.getNearestDc': {
    signedIn: false,
    run: (ctx) => ({ _: 'nearestDc', country: 'NL', this_dc: ctx.dc.dcId, nearest_dc: ctx.dc.dcId }),
  },
  'help.getAppConfig': {
    signedIn: false,
    run: () => ({ _: 'help.appConfig', hash: 0, config: { _: 'jsonObject', value: [] } }),
  },
}

function configOf(ctx: HandlerContext): TlObject {
  const now = nowSeconds(ctx)
  const { dcId } = ctx.dc
  // dcOption#18b7a10d flags:# ipv6:flags.0?true media_only:flags.1?true ... id:int ip_address:string port:int
  const options = ctx.dcs.flatMap((dc): TlObject[] =>
    [false, true].map((mediaOnly) => ({ _: 'dcOption', media_only: mediaOnly, static: false, id: dc.dcId, ip_address: dc.host, port: dc.port })),
  )
  return {
    _: 'config',
    date: now,
    expires: now + 3600,
    test_mode: false,
    this_dc: dcId,
    dc_options: options,
    dc_txt_domain_name: 'dc.emulator.invalid',
    chat_size_max: 200,
    megagroup_size_max: 200000,
    forwarded_count_max: 100,
    online_update_period_ms: 210000,
    offline_blur_timeout_ms: 5000,
    offline_idle_timeout_ms: 30000,
    online_cloud_timeout_ms: 300000,
    notify_cloud_delay_ms: 30000,
    notify_default_delay_ms: 1500,
    push_chat_period_ms: 60000,
    push_chat_limit: 2,
    edit_time_limit: 172800,
    revoke_time_limit: 2147483647,
    revoke_pm_time_limit: 2147483647,
    rating_e_decay: 2419200,
    stickers_recent_limit: 200,
    channels_read_media_period: 604800,
    call_receive_timeout_ms: 20000,
    call_ring_timeout_ms: 90000,
    call_connect_timeout_ms: 30000,
    call_packet_timeout_ms: 10000,
    me_url_prefix: 'https://t.me/',
    caption_length_max: 1024,
    message_length_max: 4096,
    webfile_dc_id: dcId,
  }
}
