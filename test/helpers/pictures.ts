import sharp from 'sharp'
import { hashToHex, pdqFromRgb } from '../../src/pdq/pdq.js'

const WIDTH = 240
const HEIGHT = 180

/** A photo-like picture (structure and texture, so PDQ quality is high); each seed gives an unrelated one. */
export function picturePixels(seed: number): Buffer {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3)
  let noise = seed * 7919 + 1
  const fx = 5 + (seed % 7)
  const fy = 7 + ((seed * 3) % 11)
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      noise = (Math.imul(noise, 1103515245) + 12345) >>> 0
      const wave = 90 * Math.sin((x + seed * 13) / fx) * Math.cos((y - seed * 5) / fy)
      const blocks = ((Math.floor(x / (20 + seed)) + Math.floor(y / (15 + seed))) % 2) * 40 - 20
      const shade = 128 + wave + blocks + ((noise >>> 24) % 30) - 15
      const at = (y * WIDTH + x) * 3
      pixels[at] = Math.max(0, Math.min(255, Math.round(shade)))
      pixels[at + 1] = Math.max(0, Math.min(255, Math.round(shade * 0.8 + 30)))
      pixels[at + 2] = Math.max(0, Math.min(255, Math.round(255 - shade)))
    }
  }
  return pixels
}

const raw = (seed: number) => sharp(picturePixels(seed), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })

export const pictureAsPng = (seed: number) => raw(seed).png().toBuffer()

/** The same picture re-encoded and resized: a near-duplicate. */
export const editedPicture = (seed: number) => raw(seed).resize(200, 150).jpeg({ quality: 70 }).toBuffer()

/** The same picture turned a quarter. */
export const rotatedPicture = (seed: number) => raw(seed).rotate(90).png().toBuffer()

/** The PDQ hash of the picture as stored, in hex. */
export function pictureHash(seed: number): string {
  return hashToHex(pdqFromRgb(picturePixels(seed), WIDTH, HEIGHT, 3).hash)
}

/** A flat grey image: PDQ quality 0. */
export const flatPng = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .png()
    .toBuffer()
