"""mmseg's shifted-window blocks with a fused attention kernel.

GSS-FT-W's learnable X⁻¹ runs a shifted-window block on every pixel of the
input, so its window attention dominates the model's inference time.
mmseg's ``WindowMSA`` materialises, scales, biases and softmaxes the
(windows, heads, N, N) attention matrix in separate passes over memory;
:class:`FastWindowMSA` hands the same computation to
``F.scaled_dot_product_attention`` (a fused kernel on the CPU and on CUDA).
Parameters, buffers, their names and initialisation are mmseg's, so
released checkpoints (``...blocks.N.attn.w_msa.qkv.weight``, ...) load
unchanged and fp32 outputs match mmseg's to float rounding.
"""
import torch
import torch.nn.functional as F
from mmseg.models.backbones.swin import SwinBlockSequence, WindowMSA
from torch.utils.flop_counter import (flop_registry, register_flop_formula,
                                      sdpa_backward_flop_count,
                                      sdpa_flop_count)

aten = torch.ops.aten


def cpu_flash_attention_flop(query_shape, key_shape, value_shape, *args,
                             out_shape=None, **kwargs):
    """FLOPs of torch's fused CPU attention kernel, as torch counts its
    CUDA ones (the q·kᵀ and attn·v products)."""
    return sdpa_flop_count(query_shape, key_shape, value_shape)


def cpu_flash_attention_backward_flop(grad_out_shape, query_shape,
                                      key_shape, value_shape, *args,
                                      out_shape=None, **kwargs):
    """FLOPs of the backward of torch's fused CPU attention kernel."""
    return sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape,
                                    value_shape)


# torch's FlopCounterMode (tools/get_flops.py --device cpu) has no formula
# for the CPU kernel and would count FastWindowMSA's attention as 0 FLOPs;
# on the meta device the same call decomposes into counted matmuls.
for _op, _formula in (
        (aten._scaled_dot_product_flash_attention_for_cpu,
         cpu_flash_attention_flop),
        (aten._scaled_dot_product_flash_attention_for_cpu_backward,
         cpu_flash_attention_backward_flop)):
    if _op not in flop_registry:
        register_flop_formula(_op)(_formula)


class FastWindowMSA(WindowMSA):
    """``WindowMSA`` computed with ``F.scaled_dot_product_attention``.

    Same arguments, parameters and outputs as mmseg's ``WindowMSA``.
    """

    def forward(self, x, mask=None):
        """Window attention with relative position bias.

        Args:
            x (Tensor): (num_windows * B, N, C) tokens of each window,
                N = window height × width.
            mask (Tensor, optional): (num_windows, N, N) additive mask of
                the shifted windows, values in (-inf, 0].

        Returns:
            Tensor: (num_windows * B, N, C).
        """
        b, n, c = x.shape
        heads = self.num_heads
        # (3, B', heads, N, C / heads) views of one qkv matmul
        q, k, v = self.qkv(x).view(b, n, 3, heads,
                                   c // heads).permute(2, 0, 3, 1, 4)
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(n, n, heads)
        # A 4-D mask lets torch pick its fused (flash) CPU kernel; with a
        # 3-D one it falls back to the unfused math.
        bias = bias.permute(2, 0, 1).unsqueeze(0)  # (1, heads, N, N)
        if mask is not None:
            # window w of every image gets mask[w]: a view for one image
            windows = mask.shape[0]
            bias = (bias + mask.unsqueeze(1)).expand(
                b // windows, -1, -1, -1, -1).reshape(b, heads, n, n)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias.to(q.dtype),
            dropout_p=self.attn_drop.p if self.training else 0.,
            scale=self.scale)
        out = out.transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(out))


class FastSwinBlockSequence(SwinBlockSequence):
    """mmseg's ``SwinBlockSequence`` whose window attention is
    :class:`FastWindowMSA`.

    Takes ``SwinBlockSequence``'s arguments. The blocks are built by mmseg
    and their ``WindowMSA`` modules are given the fast forward afterwards:
    the parameters, their random initialisation and the state-dict keys are
    exactly mmseg's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for block in self.blocks:
            # Rebuilding the module would draw new random weights and
            # change every later initialisation of a seeded run.
            block.attn.w_msa.__class__ = FastWindowMSA
