/**
 * The schemas the emulator speaks: the MTProto service schema and one API schema per layer it
 * serves — the pinned mtcute's layer (its shipped JSON) and gramjs 2.26.22's layer 198 (the
 * TL text that package ships). Loaded lazily, once.
 */
import { createRequire } from 'node:module'
import { entriesFromMtcuteJson, entriesFromTlText, TlSchema } from './tl-schema.ts'

const require = createRequire(import.meta.url)

// Service messages handled by hand elsewhere, and legacy ones mtcute's schema leaves out
// (core.telegram.org/mtproto/auth_key: req_pq, p_q_inner_data; /mtproto/service_messages).
const MTP_EXTRA = `
req_pq#60469778 nonce:int128 = ResPQ;
p_q_inner_data#83c95aec pq:bytes p:bytes q:bytes nonce:int128 server_nonce:int128 new_nonce:int256 = P_Q_inner_data;
server_DH_params_fail#79cb045d nonce:int128 server_nonce:int128 new_nonce_hash:int128 = Server_DH_Params;
rpc_result#f35c6d01 req_msg_id:long result:!X = RpcResult;
gzip_packed#3072cfa1 packed_data:bytes = Object;
`

let mtp: TlSchema | undefined
const api = new Map<number, TlSchema>()

export const LATEST_LAYER = 227
export const SUPPORTED_LAYERS: readonly number[] = [227, 198]

export function mtpSchema(): TlSchema {
  if (!mtp) {
    const json = require('@mtcute/core/tl/mtp-schema.json')
    mtp = new TlSchema(0, [...entriesFromMtcuteJson(json, 'mt_'), ...entriesFromTlText(MTP_EXTRA)])
  }
  return mtp
}

function loadLayer(layer: number): TlSchema | undefined {
  if (layer === LATEST_LAYER) {
    const json = require('@mtcute/core/tl/api-schema.json') as { l: number; e: Parameters<typeof entriesFromMtcuteJson>[0] }
    if (json.l !== LATEST_LAYER) throw new Error(`@mtcute/core ships layer ${json.l}, expected ${LATEST_LAYER}`)
    return new TlSchema(layer, entriesFromMtcuteJson(json.e), mtpSchema())
  }
  if (layer === 198) {
    // gramjs ships its TL as a CommonJS module exporting the text.
    let text: string
    try {
      text = require('telegram/tl/apiTl.js') as string
    } catch {
      return undefined // gramjs not installed (a production image): layer 198 is not served
    }
    return new TlSchema(layer, entriesFromTlText(text), mtpSchema())
  }
  return undefined
}

export function apiSchema(layer: number): TlSchema | undefined {
  if (!SUPPORTED_LAYERS.includes(layer)) return undefined
  let schema = api.get(layer)
  if (!schema) {
    schema = loadLayer(layer)
    if (schema) api.set(layer, schema)
  }
  return schema
}
