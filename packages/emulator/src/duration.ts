/** `7d`, `12h`, `30m`, `45s` or plain seconds → seconds; undefined when unparseable. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhdw]?)$/.exec(text.trim())
  if (!m) return undefined
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'w']
  return Number(m[1]) * unit
}
