"""DalleDVAE against OpenAI's reference ``dall_e`` modules.

A small official Encoder/Decoder pair is pickled exactly like OpenAI's
``encoder.pkl``/``decoder.pkl`` (``torch.save`` of the module objects), run
through ``tools/model_converters/dalle2gss.py`` and loaded into DalleDVAE.
"""
import importlib.util
import os.path as osp
import subprocess
import sys

import gss  # noqa: F401,I001  (must precede any mmseg import)
import dall_e
import pytest
import torch
import torch.nn.functional as F

from gss.tokenizers import BaseTokenizer, DalleDVAE, build_tokenizer
from gss.tokenizers.dalle import map_pixels
from gss.utils import UNSAFE_ENV, UnsafeCheckpointError, safe_load

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTER = osp.join(REPO, 'tools', 'model_converters', 'dalle2gss.py')
# The smallest sizes the official modules accept.
SMALL = dict(n_hid=64, vocab_size=512, n_init=8)


@pytest.fixture(scope='module')
def official(tmp_path_factory):
    """Small official modules with random (non-zero) biases, pickled."""
    torch.manual_seed(0)
    encoder = dall_e.Encoder(n_hid=SMALL['n_hid'],
                             vocab_size=SMALL['vocab_size'])
    decoder = dall_e.Decoder(n_init=SMALL['n_init'], n_hid=SMALL['n_hid'],
                             vocab_size=SMALL['vocab_size'])
    with torch.no_grad():
        for name, param in [*encoder.named_parameters(),
                            *decoder.named_parameters()]:
            if name.endswith('.b'):
                param.normal_(std=0.1)
    root = tmp_path_factory.mktemp('dalle')
    paths = dict(encoder=str(root / 'encoder.pkl'),
                 decoder=str(root / 'decoder.pkl'))
    torch.save(encoder, paths['encoder'])
    torch.save(decoder, paths['decoder'])
    return dict(encoder=encoder, decoder=decoder, root=root, **{
        f'{k}_pkl': v for k, v in paths.items()})


@pytest.fixture(scope='module')
def converted(official):
    out = str(official['root'] / 'out' / 'dalle_dvae.pth')
    proc = subprocess.run([
        sys.executable, CONVERTER, '--encoder', official['encoder_pkl'],
        '--decoder', official['decoder_pkl'], '--out', out
    ], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope='module')
def model(converted):
    model = DalleDVAE(checkpoint=converted, **SMALL)
    model.init_weights()
    return model


def official_pixels(decoder, probs):
    return dall_e.unmap_pixels(torch.sigmoid(decoder(probs)[:, :3]))


def test_converter_writes_weights_only_state_dict(converted):
    ckpt = safe_load(converted, weights_only=True)
    assert ckpt['meta']['arch'] == dict(group_count=4, n_blk_per_group=2,
                                        **SMALL)
    expected = DalleDVAE(checkpoint=None, **SMALL).state_dict()
    assert set(ckpt['state_dict']) == set(expected)
    assert 'encoder.blocks.group_1.block_1.res_path.conv_1.w' in expected
    assert 'decoder.blocks.group_1.block_1.id_path.w' in expected
    assert 'encoder.blocks.output.conv.w' in expected


def test_converter_rejects_wrong_files(official, tmp_path):
    spec = importlib.util.spec_from_file_location('dalle2gss', CONVERTER)
    converter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(converter)
    out = str(tmp_path / 'out.pth')
    with pytest.raises(SystemExit, match='expected a dall_e Encoder'):
        converter.main(['--encoder', official['decoder_pkl'], '--decoder',
                        official['decoder_pkl'], '--out', out])
    with pytest.raises(SystemExit, match='download_pretrain_vqvae.sh'):
        converter.main(['--encoder', str(tmp_path / 'encoder.pkl'),
                        '--decoder', official['decoder_pkl'], '--out', out])
    assert not osp.exists(out)


def test_matches_official(model, official):
    torch.manual_seed(1)
    x = torch.rand(2, 3, 32, 48)
    logits = official['encoder'](dall_e.map_pixels(x))
    ours = model.encoder(map_pixels(x))
    torch.testing.assert_close(ours, logits, rtol=0, atol=1e-5)
    assert torch.equal(model.encode(x), logits.argmax(1))

    probs = torch.softmax(torch.randn(2, SMALL['vocab_size'], 4, 6), dim=1)
    torch.testing.assert_close(model.decoder(probs),
                               official['decoder'](probs), rtol=0, atol=1e-5)
    torch.testing.assert_close(model.decode_probs(probs),
                               official_pixels(official['decoder'], probs),
                               rtol=0, atol=1e-5)

    tokens = torch.randint(SMALL['vocab_size'], (2, 4, 6))
    one_hot = F.one_hot(tokens, SMALL['vocab_size']).permute(0, 3, 1, 2)
    torch.testing.assert_close(
        model.decode(tokens),
        official_pixels(official['decoder'], one_hot.float()),
        rtol=0, atol=1e-5)


def test_decode_tokens_equals_one_hot_path(model):
    tokens = torch.randint(SMALL['vocab_size'], (2, 3, 5))
    one_hot = F.one_hot(tokens, SMALL['vocab_size']).permute(0, 3, 1, 2)
    fast = model.decode(tokens)
    assert torch.equal(fast, model.decode_probs(one_hot.float()))
    assert torch.equal(fast, model.decode_probs(one_hot.float().contiguous()))
    # The interface's generic one-hot decode gives the same maskige.
    assert torch.equal(fast, BaseTokenizer.decode(model, tokens))


def test_interface_shapes(model):
    x = torch.rand(3, 3, 24, 40)
    tokens = model.encode(x)
    assert tokens.shape == (3, 3, 5) and tokens.dtype == torch.long
    assert 0 <= tokens.min() and tokens.max() < model.num_tokens
    out = model.decode(tokens)
    assert out.shape == (3, 3, 24, 40) and out.dtype == torch.float32
    assert 0 <= out.min() and out.max() <= 1
    assert (model.num_tokens, model.downsample) == (SMALL['vocab_size'], 8)


def test_cpu_autocast_bf16(model):
    x = torch.rand(1, 3, 16, 16)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        # Vocabulary-sized layers stay float32, as in DALL·E.
        assert model.encoder(map_pixels(x)).dtype == torch.float32
        tokens = model.encode(x)
        out = model.decode(tokens)
        probs = model.decode_probs(
            torch.softmax(torch.randn(1, SMALL['vocab_size'], 2, 2), dim=1))
    assert tokens.shape == (1, 2, 2)
    for maskige in (out, probs):
        assert maskige.shape == (1, 3, 16, 16)
        assert torch.isfinite(maskige).all()
        assert 0 <= maskige.min() and maskige.max() <= 1


def test_official_pickles_need_unsafe_load(official, converted, monkeypatch):
    pkl = dict(encoder_pkl=official['encoder_pkl'],
               decoder_pkl=official['decoder_pkl'])
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    with pytest.raises(UnsafeCheckpointError, match='dalle2gss.py'):
        DalleDVAE(checkpoint=None, **pkl, **SMALL).init_weights()
    # Pointing `checkpoint` at a pickle is refused by the weights-only load.
    with pytest.raises(UnsafeCheckpointError):
        DalleDVAE(checkpoint=official['encoder_pkl'], **SMALL).init_weights()

    monkeypatch.setenv(UNSAFE_ENV, '1')
    model = DalleDVAE(checkpoint=None, **pkl, **SMALL)
    model.init_weights()
    expected = safe_load(converted, weights_only=True)['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_missing_files(tmp_path):
    path = str(tmp_path / 'dalle_dvae.pth')
    with pytest.raises(FileNotFoundError) as err:
        DalleDVAE(checkpoint=path, **SMALL).init_weights()
    for text in (path, 'download_pretrain_vqvae.sh', 'dalle2gss.py'):
        assert text in str(err.value)
    with pytest.raises(FileNotFoundError, match='encoder.pkl'):
        DalleDVAE(checkpoint=None, encoder_pkl=str(tmp_path / 'encoder.pkl'),
                  decoder_pkl=str(tmp_path / 'decoder.pkl'),
                  **SMALL).init_weights()
    assert DalleDVAE(**SMALL).checkpoint == 'ckp/dalle_dvae.pth'


def test_wrong_checkpoints(tmp_path, converted):
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'backbone.conv.weight': torch.zeros(1)}}, path)
    with pytest.raises(ValueError,
                       match='not a DALL-E dVAE checkpoint: missing '
                       'encoder.blocks.input.w'):
        DalleDVAE(checkpoint=path, **SMALL).init_weights()

    state_dict = safe_load(converted)['state_dict']
    del state_dict['decoder.blocks.output.conv.b']
    torch.save(state_dict, path)
    with pytest.raises(ValueError,
                       match=r'missing \(1\): decoder.blocks.output.conv.b'):
        DalleDVAE(checkpoint=path, **SMALL).init_weights()

    with pytest.raises(ValueError, match='wrong shape') as err:
        DalleDVAE(checkpoint=converted, n_hid=64, vocab_size=1024,
                  n_init=8).init_weights()
    assert 'vocab_size=1024' in str(err.value)


def test_loads_prefixed_gss_checkpoint(tmp_path, model):
    # Released GSS checkpoints keep the dVAE under `d_vae.`.
    state_dict = {f'd_vae.{k}': v for k, v in model.state_dict().items()}
    state_dict['decode_head.conv_seg.weight'] = torch.zeros(1)
    path = str(tmp_path / 'gss.pth')
    torch.save({'state_dict': state_dict, 'meta': {}}, path)
    loaded = DalleDVAE(checkpoint=path, **SMALL)
    loaded.init_weights()
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_freeze():
    model = DalleDVAE(checkpoint=None, **SMALL)
    assert model.frozen and not model.training
    model.train()
    assert not any(m.training for m in model.modules())
    assert not any(p.requires_grad for p in model.parameters())

    trainable = DalleDVAE(checkpoint=None, frozen=False, **SMALL).train()
    assert trainable.training
    assert all(p.requires_grad for p in trainable.parameters())
    trainable.freeze()
    trainable.train()
    assert not trainable.training
    assert not any(p.requires_grad for p in trainable.parameters())


def test_bad_inputs(model):
    with pytest.raises(ValueError, match='not divisible .* 8'):
        model.encode(torch.rand(1, 3, 20, 16))
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        model.encode(torch.rand(1, 1, 16, 16))
    with pytest.raises(TypeError, match='float'):
        model.encode(torch.ones(1, 3, 16, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'\[0, 512\)'):
        model.decode(torch.full((1, 2, 2), 512))
    with pytest.raises(ValueError, match='long'):
        model.decode(torch.zeros(1, 2, 2, dtype=torch.int32))
    with pytest.raises(ValueError, match=r'\(B, 512, h, w\)'):
        model.decode_probs(torch.rand(1, 8, 2, 2))


def test_bad_arguments():
    with pytest.raises(ValueError, match='together'):
        DalleDVAE(checkpoint=None, encoder_pkl='ckp/encoder.pkl')
    with pytest.raises(ValueError, match='checkpoint=None'):
        DalleDVAE(encoder_pkl='ckp/encoder.pkl',
                  decoder_pkl='ckp/decoder.pkl')


def test_parameter_counts(official):
    model = DalleDVAE(checkpoint=None, **SMALL)
    for part in ('encoder', 'decoder'):
        assert (sum(p.numel() for p in getattr(model, part).parameters()) ==
                sum(p.numel() for p in official[part].parameters()))


def test_default_architecture_matches_official():
    with torch.device('meta'):
        model = DalleDVAE(checkpoint=None)
    expected = {}
    for part, module in (('encoder', dall_e.Encoder()),
                         ('decoder', dall_e.Decoder())):
        expected.update({f'{part}.{k}': v.shape
                         for k, v in module.state_dict().items()})
    assert {k: v.shape for k, v in model.state_dict().items()} == expected
    assert (model.num_tokens, model.downsample) == (8192, 8)


def test_registry():
    model = build_tokenizer(dict(type='DalleDVAE', checkpoint=None, **SMALL))
    assert isinstance(model, DalleDVAE)
