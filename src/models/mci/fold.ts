// Reparameterization arithmetic: folding eval-mode batch norm into the conv before it, the
// identity as a conv kernel, and swapping a module's training-time branches for one conv.
import { noGrad, tensor, tidy, type Tensor } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import { Conv2d, type BatchNorm2d } from '../../nn/layers.js';

/** A conv kernel and bias (the pieces branches are summed from). */
export interface KernelBias { weight: Tensor; bias: Tensor }

/** Kernel and bias of `conv(kernel)` followed by `bn` in eval mode (running statistics). */
export function foldBn(kernel: Tensor, bn: BatchNorm2d): KernelBias {
  const t = bn.weight.div(bn.running_var.add(bn.eps).sqrt());
  return { weight: kernel.mul(t.view([-1, 1, 1, 1])), bias: bn.bias.sub(bn.running_mean.mul(t)) };
}

/** The k x k kernel [channels, channels/groups, k, k] of a grouped conv that copies its input. */
export function identityKernel(channels: number, groups: number, k: number, like: Tensor): Tensor {
  const inDim = channels / groups, c = k >> 1;
  const data = new Float32Array(channels * inDim * k * k);
  for (let i = 0; i < channels; i++) data[((i * inDim + (i % inDim)) * k + c) * k + c] = 1;
  return tensor(data, { shape: [channels, inDim, k, k], dtype: like.dtype, device: like.device });
}

/** Sums kernels and biases of parallel branches (same shapes). */
export function sumBranches(parts: readonly KernelBias[]): KernelBias {
  if (parts.length === 0) throw new Error('sumBranches: no branches to fold');
  let { weight, bias } = parts[0]!;
  for (const p of parts.slice(1)) {
    weight = weight.add(p.weight);
    bias = bias.add(p.bias);
  }
  return { weight, bias };
}

export interface FusedConvSpec { inChannels: number; outChannels: number; kernel: number; stride?: number; groups?: number }

/**
 * A Conv2d (with bias, padding kernel/2) holding the folded kernel and bias, on their device and
 * dtype. `fold` runs without gradients inside a scope, so its temporaries are freed.
 */
export function fusedConv(s: FusedConvSpec, fold: () => KernelBias): Conv2d {
  return tidy(() => noGrad(() => {
    const { weight, bias } = fold();
    const conv = new Conv2d(s.inChannels, s.outChannels, s.kernel, { stride: s.stride ?? 1, padding: s.kernel >> 1, groups: s.groups ?? 1 });
    if (weight.device !== 'cpu') conv.to(weight.device);
    if (weight.dtype !== 'float32') conv.to(weight.dtype);
    conv.weight.copy_(weight);
    conv.bias!.copy_(bias);
    return conv;
  }));
}

/**
 * Unregisters and frees the named children of `owner` (training-time branches after folding).
 * Module offers no public removal, so this reaches its private registry through TypeScript's
 * bracket-access escape hatch, which keeps the access type-checked.
 */
export function dropChildren(owner: Module, names: readonly string[]): void {
  for (const n of names) owner.removeChild(n);
}
