// Which files are images and in what format: by extension to find them, by their first bytes
// to catch a file whose contents are not what its name says. No decoding here.

/** Field extension for an image file name (jpg/jpeg -> jpg, png, webp), or undefined. */
export function imageField(name: string): 'jpg' | 'png' | 'webp' | undefined {
  const m = /\.(jpe?g|png|webp)$/i.exec(name);
  if (!m) return undefined;
  const e = m[1].toLowerCase();
  return e === 'jpeg' ? 'jpg' : (e as 'jpg' | 'png' | 'webp');
}

/** The format the bytes start with (JPEG SOI, PNG signature, RIFF....WEBP), or undefined. */
export function sniffImage(b: Buffer): 'jpg' | 'png' | 'webp' | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpg';
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}
