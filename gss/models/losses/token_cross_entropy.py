"""Cross-entropy over thousands of token classes, lean in memory traffic."""
import torch
import torch.nn as nn
from mmseg.models.builder import LOSSES


#: exp() of arguments below this is a subnormal or 0, which torch's CPU
#: kernels compute some 50× slower than normal numbers; as the token
#: classifier grows confident most of the 4,096 logits fall there. Clamping
#: changes probabilities below 1.7e-38 only, which vanish against the
#: largest term (1) of every row's sum.
MIN_EXP_ARG = -87.0


class _ChunkedCrossEntropy(torch.autograd.Function):
    """Sum of CE over non-ignored rows, each times its weight; float32
    (float64 for float64 logits) maths on row chunks.

    Only the (N,) log-sum-exps are kept for backward, which writes
    softmax − one-hot straight into a gradient of the logits' dtype: two
    passes over the logits instead of the float32 copy, log-softmax,
    NLL gather and their three backward passes of ``F.cross_entropy``.
    """

    @staticmethod
    def forward(ctx, logits, targets, weight, ignore_index, chunk_rows):
        valid = targets != ignore_index
        safe = targets.masked_fill(~valid, 0)
        maths = torch.promote_types(logits.dtype, torch.float32)
        # ignored rows weigh 0: no loss, no gradient
        weight = valid.to(maths) if weight is None else \
            weight.to(maths) * valid
        lse = torch.empty(len(logits), dtype=maths, device=logits.device)
        for start in range(0, len(logits), chunk_rows):
            rows = slice(start, start + chunk_rows)
            chunk = logits[rows].to(maths)  # not a copy if already `maths`
            peak = chunk.amax(1, keepdim=True)
            lse[rows] = (chunk - peak).clamp_min_(MIN_EXP_ARG).exp_().sum(
                1).log_() + peak[:, 0]
        picked = logits.gather(1, safe[:, None])[:, 0].to(maths)
        ctx.save_for_backward(logits, safe, weight, lse)
        ctx.chunk_rows = chunk_rows
        return ((lse - picked) * weight).sum()

    @staticmethod
    def backward(ctx, grad_sum):
        logits, safe, weight, lse = ctx.saved_tensors
        grad = torch.empty_like(logits)
        scale = grad_sum * weight
        for start in range(0, len(logits), ctx.chunk_rows):
            rows = slice(start, start + ctx.chunk_rows)
            probs = (logits[rows].to(lse.dtype) -
                     lse[rows, None]).clamp_min_(MIN_EXP_ARG).exp_()
            probs.scatter_add_(1, safe[rows, None],
                               -torch.ones_like(probs[:, :1]))
            grad[rows] = probs.mul_(scale[rows, None])
        return grad, None, None, None, None


@LOSSES.register_module()
class TokenCrossEntropyLoss(nn.Module):
    """Softmax cross-entropy averaged over non-ignored targets.

    The value of mmseg's ``CrossEntropyLoss(avg_non_ignore=True)`` (no
    class weights), computed for logits of any precision without a float32
    copy of them: under bf16 autocast the 16,384 × 4,096 token logits of a
    CamVid batch stay bf16, the maths runs in float32 on row chunks, and
    the gradient comes back in bf16. That halves the cost of the token loss
    on a CPU (``benchmarks/bench_token_loss.py``); with float32 logits it
    equals ``CrossEntropyLoss`` to rounding.

    Args:
        loss_weight (float): Weight of the loss.
        chunk_rows (int): Rows processed at once (bounds the float32
            scratch memory to ``chunk_rows × C``).
        loss_name (str): Key of the loss in the losses dict.
    """

    #: The head may hand low-precision logits over as they are.
    accepts_low_precision = True

    def __init__(self, loss_weight=1.0, chunk_rows=512,
                 loss_name='loss_token'):
        super().__init__()
        self.loss_weight = loss_weight
        self.chunk_rows = chunk_rows
        self._loss_name = loss_name

    def forward(self, cls_score, label, weight=None, ignore_index=-100,
                **kwargs):
        """Mean CE of (N, C) logits against (N,) long targets.

        Args:
            cls_score (Tensor): (N, C) logits, any floating dtype.
            label (Tensor): (N,) long targets.
            weight (Tensor, optional): (N,) per-row weights. As in mmseg's
                ``CrossEntropyLoss(avg_non_ignore=True)``, the weighted sum
                is divided by the number of non-ignored rows, not by the
                sum of the weights.
            ignore_index (int): Target of the rows left out.

        Returns:
            Tensor: scalar loss, float32 (float64 for float64 logits); 0
            when every target is ignored.
        """
        if cls_score.dim() != 2 or label.shape != cls_score.shape[:1]:
            raise ValueError(
                'TokenCrossEntropyLoss takes (N, C) logits and (N,) targets, '
                f'got {tuple(cls_score.shape)} and {tuple(label.shape)}')
        if weight is not None and weight.shape != label.shape:
            raise ValueError('weight must have one value per row, '
                             f'{tuple(label.shape)}, got '
                             f'{tuple(weight.shape)}')
        total = _ChunkedCrossEntropy.apply(cls_score, label.long(), weight,
                                           ignore_index, self.chunk_rows)
        count = (label != ignore_index).sum().clamp(min=1)
        return self.loss_weight * total / count

    @property
    def loss_name(self):
        return self._loss_name
