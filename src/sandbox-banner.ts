/**
 * What a person who started the service without credentials reads next (docs/spec.md §2, sandbox
 * mode): how to sign in, where the documentation is, how to read messages — as commands to
 * paste, with the address the service really listens on. Pure; src/main.ts prints it.
 */
export interface SandboxBannerFacts {
  /** Where the service listens, e.g. http://127.0.0.1:5000. */
  url: string
  /** The login code every phone receives. */
  code: string
  /** The stored session is already signed in: no sign-in step to show. */
  authorized: boolean
  /** API_TOKEN is set: the commands carry the header (the token itself is never printed). */
  tokenRequired: boolean
  /** Milliseconds since the epoch: the example window is the last week. */
  now: number
}

import { SANDBOX_DEMO_PHONE, SANDBOX_TWO_STEP } from './sandbox-demo.ts'

const WEEK_MS = 7 * 86_400_000

export function sandboxBanner(facts: SandboxBannerFacts): string {
  const { url, code } = facts
  const auth = facts.tokenRequired ? ` -H "Authorization: Bearer $API_TOKEN"` : ''
  const json = ` -H 'Content-Type: application/json'`
  // Whole minutes, so the line is short and reads like a time a person would type.
  const since = `${new Date(facts.now - WEEK_MS).toISOString().slice(0, 16)}:00Z`
  const lines = [
    '',
    'Sandbox mode: no API_ID is set, so this is the built-in Telegram emulator with a demo world, not Telegram.',
    facts.authorized
      ? '  1. Already signed in: the stored session is used.'
      : `  1. Sign in with any phone number, then the code ${code}:`,
    ...(facts.authorized
      ? []
      : [
          `       curl -X POST ${url}/sign_in${auth}${json} -d '{"phone": "${SANDBOX_DEMO_PHONE}"}'`,
          `       curl -X POST ${url}/sign_in${auth}${json} -d '{"phone": "${SANDBOX_DEMO_PHONE}", "password": "${code}"}'`,
          `     ${SANDBOX_TWO_STEP.phone} has two-step verification: after the code, send {"phone": "${SANDBOX_TWO_STEP.phone}", "two_factor_password": "${SANDBOX_TWO_STEP.password}"}.`,
        ]),
    `  2. Open ${url}/docs to try every endpoint from the browser${facts.tokenRequired ? ' (Authorize with the API_TOKEN)' : ''}.`,
    '  3. Read the last week of channel messages:',
    `       curl${auth} "${url}/messages?start_time=${since}"`,
    'Set API_ID and API_HASH (from my.telegram.org) to serve a real account instead.',
    '',
  ]
  return lines.join('\n')
}

/** The address to show for a bound host: a wildcard address is reached through loopback. */
export function displayUrl(host: string, port: number): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare === '0.0.0.0' || bare === '::' || bare === '') return `http://127.0.0.1:${port}`
  return bare.includes(':') ? `http://[${bare}]:${port}` : `http://${bare}:${port}`
}
