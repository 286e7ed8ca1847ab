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


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_row_weights_as_mmseg_cross_entropy(dtype):
    """Per-row weights: the weighted sum over the kept rows divided by
    their number, as mmseg's CrossEntropyLoss(avg_non_ignore=True) with
    ``weight``, and the gradient of each row scaled by its weight."""
    torch.manual_seed(0)
    logits = (3 * torch.randn(200, 40)).to(dtype)
    targets = torch.randint(0, 40, (200, ))
    targets[::4] = 40  # ignored
    weight = torch.rand(200) * 3
    ref, token = _pair(chunk_rows=64)
    a = logits.float().clone().requires_grad_()
    b = logits.clone().requires_grad_()
    ref(a, targets, weight=weight, ignore_index=40).backward()
    loss = token(b, targets, weight=weight, ignore_index=40)
    loss.backward()
    keep = targets != 40
    rows = torch.logsumexp(a.detach()[keep], 1) - \
        a.detach()[keep, targets[keep]]
    by_hand = 0.8 * (rows * weight[keep]).sum() / keep.sum()
    torch.testing.assert_close(loss, by_hand)
    torch.testing.assert_close(b.grad.float(), a.grad,
                               atol=1e-6 if dtype == torch.float32 else 1e-2,
                               rtol=1e-5 if dtype == torch.float32 else 1e-2)
    # a row of weight 0 neither counts nor learns; ignored rows neither
    unweighted = token(logits.float(), targets, ignore_index=40)
    assert loss.item() != pytest.approx(unweighted.item())
    zero = weight.clone()
    zero[1] = 0
    c = logits.clone().requires_grad_()
    token(c, targets, weight=zero, ignore_index=40).backward()
    assert torch.all(c.grad[1] == 0) and torch.all(c.grad[~keep] == 0)


def test_weight_of_the_wrong_shape_is_refused():
    _, token = _pair()
    with pytest.raises(ValueError, match='one value per row'):
        token(torch.zeros(4, 3), torch.zeros(4, dtype=torch.long),
              weight=torch.ones(2, 2))


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
