import type { TlObject } from '../tl/tl-object.ts'
import type { Prng } from './prng.ts'

/**
 * Invents a message text with entities. Entity offsets and lengths count UTF-16 code units
 * (core.telegram.org/api/entities#entity-length), which is what JavaScript string indices are.
 */

const WORDS = [
  'market', 'update', 'report', 'launch', 'release', 'weekly', 'digest', 'today', 'city', 'river',
  'energy', 'science', 'football', 'match', 'result', 'price', 'growth', 'forecast', 'weather', 'rain',
  'sunny', 'event', 'concert', 'festival', 'museum', 'travel', 'guide', 'recipe', 'coffee', 'morning',
  'evening', 'review', 'phone', 'software', 'version', 'security', 'notice', 'traffic', 'road', 'bridge',
  'school', 'student', 'research', 'space', 'rocket', 'orbit', 'planet', 'ocean', 'island', 'harbour',
  'train', 'station', 'ticket', 'budget', 'vote', 'council', 'library', 'garden', 'autumn', 'winter',
  'canal', 'mercado', 'noticias', 'hoy', 'semana', 'ciudad', 'música', 'café', 'señal', 'año',
]

const EMOJI = ['🔥', '📢', '✅', '⚡️', '🚀', '📈', '🎉', '☕️', '🌧', '⚽️']

const HASHTAGS = ['#news', '#update', '#weekly', '#canal', '#tech', '#sport']

export interface MessageText {
  text: string
  entities: TlObject[]
}

export function inventText(prng: Prng, minWords: number, maxWords: number): MessageText {
  const entities: TlObject[] = []
  let text = ''

  if (prng.chance(0.15)) text += prng.pick(EMOJI) + ' '

  const wordCount = prng.int(minWords, maxWords)
  const boldWords = prng.chance(0.25) ? prng.int(1, Math.min(3, wordCount)) : 0
  const linkWord = prng.chance(0.1) ? prng.int(0, wordCount - 1) : -1
  for (let i = 0; i < wordCount; i++) {
    if (i > 0) text += prng.chance(0.08) ? ', ' : ' '
    let word = prng.pick(WORDS)
    if (i === 0) word = word[0].toUpperCase() + word.slice(1)
    const offset = text.length
    text += word
    if (i === boldWords - 1) entities.push({ _: 'messageEntityBold', offset: 0, length: text.length })
    if (i === linkWord) {
      entities.push({ _: 'messageEntityTextUrl', offset, length: word.length, url: `https://example.org/${word}` })
    }
  }
  text += '.'

  if (prng.chance(0.12)) {
    text += ' '
    const offset = text.length
    const url = `https://example.com/p/${prng.int(1000, 99999)}`
    text += url
    entities.push({ _: 'messageEntityUrl', offset, length: url.length })
  }
  if (prng.chance(0.1)) {
    text += ' '
    const offset = text.length
    const tag = prng.pick(HASHTAGS)
    text += tag
    entities.push({ _: 'messageEntityHashtag', offset, length: tag.length })
  }
  // Telegram sends entities ordered by offset.
  entities.sort((a, b) => (a.offset as number) - (b.offset as number))
  return { text, entities }
}

export const REACTION_EMOJI = ['👍', '❤', '🔥', '🎉', '😁', '🤔', '👏', '😢']
