import { bigIntToBytes } from './big-endian.ts'

/**
 * The 2048-bit safe prime Telegram's servers send in server_DH_inner_data, with g = 3.
 * mtcute skips its (slow) Miller–Rabin safety check only for this exact prime.
 */
export const DH_PRIME = BigInt(
  '0xC71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F48198A0AA7C14058229493D22530F4DB' +
    'FA336F6E0AC925139543AED44CCE7C3720FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64' +
    '2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4A4A695811051907E162753B56B0F6B41' +
    '0DBA74D8A84B2A14B3144E0EF1284754FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4' +
    'E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F0D8115F635B105EE2E4E15D04B2454BF' +
    '6F4FADF034B10403119CD8E3B92FCC5B',
)
export const DH_PRIME_BYTES = bigIntToBytes(DH_PRIME, 256)
export const DH_G = 3

/**
 * The range both g_a and g_b must fall in: 2^(2048-64) < x < dh_prime - 2^(2048-64)
 * (core.telegram.org/mtproto/auth_key, "DH key exchange complete", checks).
 */
export function isSafeDhValue(x: bigint): boolean {
  const margin = 1n << 1984n
  return x > margin && x < DH_PRIME - margin
}
