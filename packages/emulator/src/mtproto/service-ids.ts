/**
 * Constructor ids the session layer reads or writes by hand rather than through the schema
 * (core.telegram.org/mtproto/service_messages and /api/invoking).
 */
export const ServiceId = {
  msg_container: 0x73f1f8dc, // msg_container#73f1f8dc messages:vector<message> = MessageContainer
  rpc_result: 0xf35c6d01, // rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult
  gzip_packed: 0x3072cfa1, // gzip_packed#3072cfa1 packed_data:bytes = Object
  future_salts: 0xae500895, // future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts
  msgs_ack: 0x62d6b459,
  http_wait: 0x9299359f,
  invokeWithLayer: 0xda9b0d0d, // invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X
  invokeAfterMsg: 0xcb9f372d, // invokeAfterMsg#cb9f372d {X:Type} msg_id:long query:!X = X
  invokeAfterMsgs: 0x3dc4b4f0, // invokeAfterMsgs#3dc4b4f0 {X:Type} msg_ids:Vector<long> query:!X = X
  invokeWithoutUpdates: 0xbf9459b7, // invokeWithoutUpdates#bf9459b7 {X:Type} query:!X = X
  vector: 0x1cb5c415,
} as const
