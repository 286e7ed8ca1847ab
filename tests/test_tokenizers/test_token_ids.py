"""Every tokenizer checks the token ids it decodes with the one check of
``BaseTokenizer.check_tokens``."""
import gss  # noqa: F401,I001  (must precede any mmseg import)
import pytest
import torch

import tests.patch_tokenizer  # noqa: F401  (registers PatchLabelTokenizer)
from gss.tokenizers import DalleDVAE, MaskigeVQVAE
from tests.patch_tokenizer import PatchLabelTokenizer

TOKENIZERS = {
    'dalle': lambda: DalleDVAE(checkpoint=None, n_hid=8, n_blk_per_group=1,
                               vocab_size=32, n_init=8),
    'vqvae-fsq': lambda: MaskigeVQVAE(
        encoder='conv', channels=8, num_res_blocks=1,
        quantizer=dict(type='FiniteScalarQuantizer', levels=(4, 3))),
    'vqvae-ema': lambda: MaskigeVQVAE(
        encoder='conv', channels=8, num_res_blocks=1,
        quantizer=dict(type='EMAVectorQuantizer', num_codes=16, dim=8)),
    'patches': PatchLabelTokenizer,
}


@pytest.mark.parametrize('name', TOKENIZERS)
def test_every_tokenizer_refuses_ids_outside_its_vocabulary(name):
    tokenizer = TOKENIZERS[name]().eval()
    num_tokens = tokenizer.num_tokens
    with torch.no_grad():
        assert tokenizer.decode(torch.full((1, 2, 3), num_tokens - 1)).shape[
            -2:] == (2 * tokenizer.downsample, 3 * tokenizer.downsample)
        for bad in (num_tokens, -1):
            with pytest.raises(ValueError,
                               match=rf'token ids must be in \[0, '
                               rf'{num_tokens}\)'):
                tokenizer.decode(torch.full((1, 2, 3), bad))
        with pytest.raises(ValueError, match=r'a \(B, h, w\) long tensor'):
            tokenizer.decode(torch.zeros(1, 2, 3))
