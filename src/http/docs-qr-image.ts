/**
 * A Swagger UI request interceptor, run in the browser (its source is written into /docs as it
 * is, so it stays plain JavaScript with no imports): "Try it out" on POST /sign_in/qr asks for
 * the QR code as a PNG image, which Swagger UI draws, unless another media type was picked (an
 * SVG answer it would show as XML text, JSON as text).
 */
export function qrAsImage<R extends { [prop: string]: unknown }>(request: R): R {
  const { url, headers } = request as unknown as { url: string, headers: Record<string, string> }
  const accept = headers.accept ?? headers.Accept
  if (/\/sign_in\/qr$/.test(url) && (accept === undefined || accept === '*/*')) headers.accept = 'image/png'
  return request
}
