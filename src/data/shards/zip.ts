// The part of ZIP that .npz files use: members read through the central directory (zip64 sizes
// and offsets included, as numpy's savez writes them), stored or deflated; stored-only writing.
import * as zlib from 'node:zlib';

/** One member's raw location in the archive. */
export interface ZipMember { name: string; method: number; flags: number; crc: number; compressedSize: number; size: number; dataStart: number }

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the ZIP polynomial): node:zlib's where it has one (Node >= 20.15), else a table. */
export function crc32(buf: Uint8Array): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf);
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u64(buf: Buffer, off: number, what: () => string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what()}: 64-bit value ${v} too large`);
  return Number(v);
}

/** Lists the members of a ZIP held in `buf`; `where` names it in errors. */
export function listZip(buf: Buffer, where: string): ZipMember[] {
  const fail = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOff = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOff === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) fail('zip64 locator missing');
    const z = u64(buf, loc + 8, () => where);
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== 0x06064b50) fail('zip64 end record missing or past the end');
    count = u64(buf, z + 32, () => where);
    cdOff = u64(buf, z + 48, () => where);
  }
  const out: ZipMember[] = [];
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) fail(`central directory entry ${i} is damaged or past the end`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const m = { name, method: buf.readUInt16LE(p + 10), flags: buf.readUInt16LE(p + 8), crc: buf.readUInt32LE(p + 16), compressedSize: buf.readUInt32LE(p + 20), size: buf.readUInt32LE(p + 24), dataStart: 0 };
    let local = buf.readUInt32LE(p + 42);
    readZip64Extra(buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), m, (v) => { local = v; }, local === 0xffffffff, `${where}: member '${name}'`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) fail(`member '${name}': local header missing or past the end`);
    m.dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (m.dataStart + m.compressedSize > buf.length) fail(`member '${name}': data runs past the end of the archive (truncated?)`);
    out.push(m);
    p += 46 + nameLen + extraLen + buf.readUInt16LE(p + 32);
  }
  return out;
}

/** Applies a zip64 extra field (id 1): sizes and offset that did not fit 32 bits, in that order. */
function readZip64Extra(extra: Buffer, m: ZipMember, setOffset: (v: number) => void, needOffset: boolean, where: string): void {
  for (let q = 0; q + 4 <= extra.length; q += 4 + extra.readUInt16LE(q + 2)) {
    if (extra.readUInt16LE(q) !== 1) continue;
    let r = q + 4;
    const end = r + extra.readUInt16LE(q + 2);
    const next = (): number => { if (r + 8 > end || end > extra.length) throw new Error(`${where}: zip64 extra field too short`); const v = u64(extra, r, () => where); r += 8; return v; };
    if (m.size === 0xffffffff) m.size = next();
    if (m.compressedSize === 0xffffffff) m.compressedSize = next();
    if (needOffset) setOffset(next());
    return;
  }
}

/** A member's bytes: stored or deflated, length and CRC checked. */
export function readZipMember(buf: Buffer, m: ZipMember, where: string): Buffer {
  const fail = (msg: string): never => { throw new Error(`${where}: member '${m.name}': ${msg}`); };
  if (m.flags & 1) fail('encrypted members are not supported');
  const raw = buf.subarray(m.dataStart, m.dataStart + m.compressedSize);
  let data: Buffer;
  if (m.method === 0) data = raw;
  else if (m.method === 8) {
    try {
      data = m.size === 0 ? Buffer.alloc(0) : zlib.inflateRawSync(raw, { maxOutputLength: m.size });
    } catch (e) {
      return fail(`deflate data is damaged (${(e as Error).message})`);
    }
  } else return fail(`compression method ${m.method} is not supported (stored or deflate only)`);
  if (data.length !== m.size) fail(`holds ${data.length} bytes, the directory says ${m.size}`);
  if (crc32(data) !== m.crc) fail('CRC-32 mismatch (damaged data)');
  return data;
}

/** A stored (uncompressed) ZIP of the given members, with fixed timestamps (1980-01-01). */
export function writeZip(members: { name: string; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  if (members.length >= 0xffff) throw new Error(`zip writer: ${members.length} members (limit 65534)`);
  for (const { name, data } of members) {
    if (data.length >= 0xffffffff || off >= 0xffffffff) throw new Error(`zip writer: member '${name}': archives over 4 GiB are not supported`);
    const nameBuf = Buffer.from(name, 'utf8');
    const flags = nameBuf.length !== name.length ? 0x800 : 0;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(0x21, 12); // DOS date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    local.copy(cd, 8, 6, 30); // flags, method, time, date, crc, sizes, name length
    cd.writeUInt32LE(off, 42);
    parts.push(local, nameBuf, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    central.push(cd, nameBuf);
    off += 30 + nameBuf.length + data.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}
