/** The product's mark for the documentation's header (Swagger UI shows its own otherwise). */
export const productLogo = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="260" height="40" viewBox="0 0 260 40">
  <circle cx="20" cy="20" r="18" fill="#2aabee"/>
  <path d="M9 19.5 29 11.8c.9-.3 1.7.2 1.4 1.6l-3.4 16c-.2 1.1-.9 1.4-1.8.9l-5-3.7-2.4 2.3c-.3.3-.5.5-1 .5l.4-5.1 9.2-8.3c.4-.4-.1-.6-.6-.2l-11.4 7.2-4.9-1.5c-1.1-.3-1.1-1.1.2-1.6z" fill="#fff"/>
  <text x="48" y="26" font-family="Helvetica, Arial, sans-serif" font-size="18" font-weight="600" fill="#ffffff">Telegram Connector</text>
</svg>
`,
  'utf8',
)
