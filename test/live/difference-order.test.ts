/**
 * A channel difference put back in pts order (src/live/difference-order.ts, pure): posts take
 * the free pts steps in id order, edits and deletions sit at their own pts, and a post deleted
 * within the gap still holds its step.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { differenceOrder, type OrderedItem } from '../../src/live/difference-order.ts'

type Item = { name: string; deletes?: number[] }
const post = (id: number): OrderedItem<Item> => ({ item: { name: `post ${id}` }, pts: 0, ptsCount: 0, messageId: id })
const other = (name: string, pts: number, deletes: number[] = []): OrderedItem<Item> => ({ item: { name, deletes }, pts, ptsCount: Math.max(1, deletes.length), messageId: 0 })
const names = (items: Item[]): string[] => items.map((item) => item.name)
const deleted = (item: Item): readonly number[] => item.deletes ?? []

test('posts come first in a difference; the pts sequence puts edits and deletions back between them', () => {
  // pts 100 before: post 11 (101), edit of 11 (102), post 12 (103), delete 11 (104), post 13 (105).
  const batch = [post(11), post(12), post(13), other('edit 11', 102), other('delete 11', 104, [11])]
  assert.deepEqual(names(differenceOrder(batch, { pts: 100, lastId: 10 }, deleted)), ['post 11', 'edit 11', 'post 12', 'delete 11', 'post 13'])
})

test('a post deleted within the gap (left out of the difference) still holds its step', () => {
  // post 11 (101), post 12 (102), delete 11 (103), post 13 (104): the difference holds 12, 13 and the deletion.
  const batch = [post(12), post(13), other('delete 11', 103, [11])]
  assert.deepEqual(names(differenceOrder(batch, { pts: 100, lastId: 10 }, deleted)), ['post 12', 'delete 11', 'post 13'])
})

test('a multi-message deletion takes as many steps as it deletes; unknown places leave the posts first', () => {
  // 11 (101), 12 (102), delete ×2 (104), 13 (105, left out of the difference), its edit (106), 14 (107).
  const batch = [post(11), post(12), post(14), other('delete 11,12', 104, [11, 12]), other('post 13 edited', 106)]
  assert.deepEqual(names(differenceOrder(batch, { pts: 100, lastId: 10 }, deleted)), ['post 11', 'post 12', 'delete 11,12', 'post 13 edited', 'post 14'])
  assert.deepEqual(names(differenceOrder(batch, null, deleted)), ['post 11', 'post 12', 'post 14', 'delete 11,12', 'post 13 edited'])
})
