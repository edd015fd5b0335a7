// Shading of the primary hits: Lambert diffuse plus ambient, a Blinn-Phong highlight and a faint
// sky reflection on shiny objects, hard shadows from one shadow ray per lit pixel, and distance fog
// on the ground so the horizon blends into the sky instead of aliasing.
import type { Scratch } from './render.js';
import { skyColour, groundAlbedo } from './textures.js';
import { GROUND_ID, OBJECT_ID0, traceObjects } from './trace.js';
import { COLOURS, MAX_DEPTH, type Scene } from './world.js';

const SHADOW_OFFSET = 2e-3;
const SHININESS = 90;
const FOG_START = 0.3 * MAX_DEPTH;

/** Marks s.lit[i] = 1 where pixel i faces the light and no object blocks the way to it. */
function castShadows(scene: Scene, s: Scratch): void {
  const [lx, ly, lz] = scene.light.direction;
  const sh = s.shadow;
  let m = 0;
  s.lit.fill(0);
  for (let i = 0; i < s.rays.n; i++) {
    if (s.id[i] === 0 || s.nx[i]! * lx + s.ny[i]! * ly + s.nz[i]! * lz <= 0) continue;
    sh.ox[m] = s.px[i]! + SHADOW_OFFSET * s.nx[i]!;
    sh.oy[m] = s.py[i]! + SHADOW_OFFSET * s.ny[i]!;
    sh.oz[m] = s.pz[i]! + SHADOW_OFFSET * s.nz[i]!;
    sh.dx[m] = lx; sh.dy[m] = ly; sh.dz[m] = lz;
    s.idx[m++] = i;
  }
  const shadowRays = { ...sh, n: m };
  s.st.fill(Infinity, 0, m);
  s.sid.fill(0, 0, m);
  traceObjects(scene.objects, shadowRays, s.st, s.sid, 0, true);
  for (let j = 0; j < m; j++) if (s.sid[j] === 0) s.lit[s.idx[j]!] = 1;
}

/** Writes the shaded RGB of every pixel (3 bytes each) into rgb. */
export function shade(scene: Scene, s: Scratch, rgb: Uint8Array): void {
  castShadows(scene, s);
  const [lx, ly, lz] = scene.light.direction;
  const amb = scene.light.ambient;
  const { dx, dy, dz } = s.rays;
  const c = new Float64Array(3), env = new Float64Array(3), horizon = scene.sky.horizon;
  const albedo = scene.objects.map((o) => COLOURS[o.colour]);
  for (let i = 0; i < s.rays.n; i++) {
    const id = s.id[i]!, rx = dx[i]!, ry = dy[i]!, rz = dz[i]!;
    if (id === 0) {
      skyColour(scene.sky, rx, ry, rz, c, 0);
    } else {
      const nx = s.nx[i]!, ny = s.ny[i]!, nz = s.nz[i]!;
      const lit = s.lit[i]!;
      const diff = lit ? Math.max(0, nx * lx + ny * ly + nz * lz) : 0;
      const k = amb + (1 - amb) * diff;
      if (id === GROUND_ID) {
        groundAlbedo(scene.ground, s.px[i]!, s.pz[i]!, c, 0);
        const fog = Math.min(1, Math.max(0, (s.t[i]! - FOG_START) / (MAX_DEPTH - FOG_START))) ** 2;
        for (let q = 0; q < 3; q++) c[q] = c[q]! * k * (1 - fog) + horizon[q]! * fog;
      } else {
        const o = scene.objects[id - OBJECT_ID0]!, a = albedo[id - OBJECT_ID0]!;
        let spec = 0, refl = 0;
        if (o.material === 'shiny') {
          // Blinn-Phong half vector between the light and the viewer (-ray).
          let hx = lx - rx, hy = ly - ry, hz = lz - rz;
          const hl = Math.hypot(hx, hy, hz) || 1;
          hx /= hl; hy /= hl; hz /= hl;
          spec = lit ? 0.85 * Math.max(0, nx * hx + ny * hy + nz * hz) ** SHININESS : 0;
          const dn = rx * nx + ry * ny + rz * nz;
          skyColour(scene.sky, rx - 2 * dn * nx, Math.abs(ry - 2 * dn * ny), rz - 2 * dn * nz, env, 0);
          refl = 0.15;
        }
        for (let q = 0; q < 3; q++) c[q] = a[q]! * k * (1 - refl) + env[q]! * refl + spec;
      }
    }
    for (let q = 0; q < 3; q++) {
      const v = c[q]!;
      rgb[3 * i + q] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
  }
}
