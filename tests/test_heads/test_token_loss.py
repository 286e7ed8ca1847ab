"""TokenCrossEntropyLoss: mmseg's token loss, without a float32 copy."""
import pytest
import torch
from mmseg.models import build_loss


def _pair(**kwargs):
    return (build_loss(dict(type='CrossEntropyLoss', loss_weight=0.8,
                            avg_non_ignore=True)),
            build_loss(dict(type='TokenCrossEntropyLoss', loss_weight=0.8,
                            **kwargs)))


@pytest.mark.parametrize('chunk_rows', [7, 512])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_equals_mmseg_cross_entropy_at_full_precision(chunk_rows, dtype):
    torch.manual_seed(0)
    logits = 4 * torch.randn(300, 50, dtype=dtype)
    targets = torch.randint(0, 50, (300, ))
    targets[::3] = 50  # ignored
    ref, token = _pair(chunk_rows=chunk_rows)
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    ref(a, targets, ignore_index=50).backward()
    loss = token(b, targets, ignore_index=50)
    loss.backward()
    assert torch.equal(b, logits)  # the logits are read, not overwritten
    # by hand: mean over the 200 kept rows of logsumexp − target logit
    keep = targets != 50
    by_hand = 0.8 * (torch.logsumexp(logits[keep], 1) -
                     logits[keep, targets[keep]]).mean()
    torch.testing.assert_close(loss.to(dtype), by_hand)
    torch.testing.assert_close(b.grad, a.grad)
    assert torch.all(b.grad[~keep] == 0)


def test_bf16_logits_stay_bf16_and_match_the_float32_copy():
    """Under CPU bf16 autocast the gradient comes back in bf16 and equals
    that of mmseg's loss on a float32 copy of the same logits."""
    torch.manual_seed(0)
    logits = (3 * torch.randn(1000, 256)).bfloat16()
    targets = torch.randint(0, 256, (1000, ))
    targets[:100] = 256
    ref, token = _pair(chunk_rows=128)
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss_ref = ref(a.float(), targets, ignore_index=256)
        loss = token(b, targets, ignore_index=256)
    loss_ref.backward()
    loss.backward()
    assert loss.dtype == torch.float32 and b.grad.dtype == torch.bfloat16
    torch.testing.assert_close(loss, loss_ref)
    torch.testing.assert_close(b.grad, a.grad, atol=1e-6, rtol=0)


def test_training_lowers_the_loss_and_all_ignored_is_zero():
    torch.manual_seed(0)
    _, token = _pair()
    logits = torch.zeros(64, 10, requires_grad=True)
    targets = torch.arange(64) % 10
    opt = torch.optim.SGD([logits], lr=50.0)
    first = token(logits, targets, ignore_index=255)
    for _ in range(5):
        opt.zero_grad()
        token(logits, targets, ignore_index=255).backward()
        opt.step()
    assert token(logits, targets, ignore_index=255) < first.item() / 2
    ignored = torch.full((64, ), 255)
    assert token(logits, ignored, ignore_index=255).item() == 0


def test_shape_errors_are_clear():
    _, token = _pair()
    with pytest.raises(ValueError, match=r'\(N, C\) logits and \(N,\)'):
        token(torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.long))


def test_confident_logits_give_the_exact_loss_and_gradient():
    """Logits 100+ below the row maximum (probabilities under 1e-38, where
    exp() is computed on a slow path and therefore clamped) still give the
    exact loss and gradient, including a target far below the maximum."""
    logits = torch.full((4, 300), -150.0)
    logits[:, 0] = 0.0
    logits[1, 1] = -3.0
    targets = torch.tensor([0, 1, 2, 0])  # row 2: target at -150
    ref, token = _pair()
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    ref(a, targets, ignore_index=255).backward()
    loss = token(b, targets, ignore_index=255)
    loss.backward()
    torch.testing.assert_close(loss, ref(logits, targets, ignore_index=255))
    torch.testing.assert_close(b.grad, a.grad, atol=1e-30, rtol=1e-6)
    assert loss.item() > 0.8 * 150 / 4  # row 2 alone costs 150 nats
