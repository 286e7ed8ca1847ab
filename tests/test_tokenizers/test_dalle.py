"""DalleDVAE against OpenAI's reference ``dall_e`` modules.

A small official Encoder/Decoder pair is pickled exactly like OpenAI's
``encoder.pkl``/``decoder.pkl`` (``torch.save`` of the module objects), run
through ``tools/model_converters/dalle2gss.py`` and loaded into DalleDVAE.
"""
import copy
import importlib.util
import os.path as osp
import subprocess
import sys

import gss  # noqa: F401,I001  (must precede any mmseg import)
import dall_e
import pytest
import torch
import torch.nn.functional as F

from gss.models.segmentors import MaskigeAutoencoder
from gss.tokenizers import BaseTokenizer, DalleDVAE, build_tokenizer
from gss.tokenizers.dalle import (DalleConv2d, map_pixels,
                                  official_state_dict)
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
    # ``.float()`` as the authors' dVAE wrapper: the fp16 decoder's output.
    return dall_e.unmap_pixels(torch.sigmoid(decoder(probs)[:, :3].float()))


def official_cuda_forward(self, x):
    """``dall_e.utils.Conv2d.forward`` as it runs on CUDA (its
    ``use_float16`` branch), here on the CPU."""
    padding = (self.kw - 1) // 2
    if self.use_float16:
        return F.conv2d(x.half(), self.w.half(), self.b.half(),
                        padding=padding)
    return F.conv2d(x.float(), self.w, self.b, padding=padding)


def conv_output_dtypes(model, run):
    """dtype of each DalleConv2d's output while ``run()`` executes."""
    dtypes = {}

    def hook(name):
        def record(module, inputs, output):
            dtypes[name] = output.dtype
        return record

    handles = [
        module.register_forward_hook(hook(name))
        for name, module in model.named_modules()
        if isinstance(module, DalleConv2d)
    ]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return dtypes


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


def test_fp16_path_matches_official_cuda_precision(official, converted,
                                                   monkeypatch):
    """With ``fp16_devices`` naming the device, the dVAE computes what
    ``dall_e`` computes on CUDA: every conv in half precision but the
    encoder's output and the decoder's input. Emulated on the CPU, where
    both run the same half-precision kernels, so the results are equal."""
    half = DalleDVAE(checkpoint=converted, fp16_devices=('cpu', ), **SMALL)
    half.init_weights()
    fp32 = DalleDVAE(checkpoint=converted, **SMALL)
    fp32.init_weights()
    monkeypatch.setattr(dall_e.utils.Conv2d, 'forward', official_cuda_forward)
    torch.manual_seed(1)
    x = torch.rand(2, 3, 32, 48)
    logits = official['encoder'](dall_e.map_pixels(x))
    assert logits.dtype == torch.float32
    assert torch.equal(half.encoder(map_pixels(x)), logits)
    assert torch.equal(half.encode(x), logits.argmax(1))
    assert not torch.equal(fp32.encoder(map_pixels(x)), logits)

    tokens = torch.randint(SMALL['vocab_size'], (2, 4, 6))
    # NCHW, as DalleDVAE decodes: half-precision kernels for another memory
    # layout round differently (by up to 1e-3 here).
    one_hot = F.one_hot(tokens, SMALL['vocab_size']).permute(
        0, 3, 1, 2).float().contiguous()
    stats = official['decoder'](one_hot)
    assert stats.dtype == torch.float16
    expected = official_pixels(official['decoder'], one_hot)
    decoded = half.decode(tokens)
    assert decoded.dtype == torch.float32
    assert torch.equal(decoded, expected)
    assert torch.equal(half.decode_probs(one_hot), expected)
    # fp32 (the opt-in on CUDA) is close to it but not equal.
    reference = fp32.decode(tokens)
    assert not torch.equal(reference, expected)
    torch.testing.assert_close(reference, expected, rtol=0, atol=1e-2)


def test_fp16_cast_follows_the_device_type(model):
    """The published configs' dVAE (``fp16_devices=('cuda',)``) computes in
    float32 on the CPU and in float16 where the device type is listed;
    ``()`` is float32 everywhere."""
    assert DalleDVAE(checkpoint=None, **SMALL).fp16_devices == ('cuda', )
    x = torch.rand(1, 3, 16, 16)
    probs = torch.softmax(torch.randn(1, SMALL['vocab_size'], 2, 2), dim=1)

    def run():
        model.encode(x)
        model.decode_probs(probs)

    full = {'encoder.blocks.output.conv', 'decoder.blocks.input'}
    try:
        dtypes = conv_output_dtypes(model, run)
        assert len(dtypes) == sum(
            isinstance(m, DalleConv2d) for m in model.modules())
        assert set(dtypes.values()) == {torch.float32}
        model.set_fp16_devices(('cpu', ))
        dtypes = conv_output_dtypes(model, run)
        assert {k for k, v in dtypes.items() if v == torch.float32} == full
        assert {v for k, v in dtypes.items() if k not in full} == {
            torch.float16}
        model.set_fp16_devices(('cuda', 'meta'))
        assert set(conv_output_dtypes(model, run).values()) == {
            torch.float32}
    finally:
        model.set_fp16_devices(('cuda', ))
    with pytest.raises(TypeError, match=r"\('cuda',\)"):
        model.set_fp16_devices('cuda')


def official_reconstruction(official, codec, labels, stretch=True):
    """The authors' reconstruction evaluation
    (``GenerativeSegHeadFF._forward_test_recon_with_dalle``): labels
    coloured (ids above K take the ignore colour), the whole maskige
    encoded (the max-pools floor odd sides), decoded, nearest palette colour
    as a one-hot, bilinearly resized to the label size."""
    k = codec.num_classes
    palette = torch.cat([codec.colors, codec.ignore_color[None]]).float()
    index = labels.clone()
    index[index > k] = k
    maskige = palette[index].permute(0, 3, 1, 2) / 255
    tokens = official['encoder'](dall_e.map_pixels(maskige)).argmax(1)
    one_hot = F.one_hot(tokens, SMALL['vocab_size']).permute(0, 3, 1, 2)
    recon = official_pixels(official['decoder'], one_hot.float()) * 255
    pred = ((recon[:, None] - palette[:k, :, None, None])**2).sum(2)
    scores = F.one_hot(pred.argmin(1), k).permute(0, 3, 1, 2).float()
    return F.interpolate(scores, size=labels.shape[-2:],
                         mode='bilinear').argmax(1)


@pytest.fixture(scope='module')
def vivid(official):
    """The small official modules with a stronger token embedding (30x) and
    decoder output (10x), so that random weights decode tokens to many
    palette colours."""
    decoder = copy.deepcopy(official['decoder'])
    with torch.no_grad():
        decoder.blocks.input.w.mul_(30)
        decoder.blocks.output.conv.w.mul_(10)
    return dict(encoder=official['encoder'], decoder=decoder)


@pytest.mark.parametrize('size', [(61, 90), (64, 96)])
def test_reconstruction_protocol(vivid, size):
    """``test_resize='stretch'`` (the dalle_reconstruction_* configs) is the
    authors' protocol on every size; 'pad' (opt-in) pads the map to whole
    token cells by repeating the border. They agree on sizes that tile."""
    g = torch.Generator().manual_seed(0)
    coarse = torch.randint(0, 19, (1, 1, 6, 9), generator=g).float()
    labels = F.interpolate(coarse, size=size)[:, 0].long()
    labels[:, :5, :7] = 255
    stage1 = MaskigeAutoencoder(
        tokenizer=dict(type='DalleDVAE', checkpoint=None, **SMALL),
        palette='cityscapes', num_classes=19, inverse_scores='one_hot',
        test_resize='stretch').eval()
    stage1.tokenizer.load_state_dict(
        official_state_dict(vivid['encoder'], vivid['decoder']))
    meta = [dict(ori_shape=(*size, 3), flip=False)]
    with torch.no_grad():
        stretch = stage1.inference(labels, meta, False).argmax(1)
        stage1.test_resize = 'pad'
        pad = stage1.inference(labels, meta, False).argmax(1)
        expected = official_reconstruction(vivid, stage1.codec, labels)
        h, w = -(-size[0] // 8) * 8, -(-size[1] // 8) * 8
        padded = F.pad(labels[:, None].float(), (0, w - size[1], 0,
                                                 h - size[0]),
                       mode='replicate')[:, 0].long()
        expected_pad = official_reconstruction(
            vivid, stage1.codec, padded)[:, :size[0], :size[1]]
    assert stretch.shape == (1, *size)
    assert len(expected.unique()) > 3
    assert torch.equal(stretch, expected)
    assert torch.equal(pad, expected_pad)
    assert torch.equal(pad, stretch) == (size == (64, 96))


def test_reconstruction_resize_arguments():
    import tests.patch_tokenizer  # noqa: F401  (registers the tokenizer)
    with pytest.raises(ValueError, match="test_resize='pad'"):
        MaskigeAutoencoder(
            tokenizer=dict(type='MeanPatchTokenizer'), palette='camvid',
            num_classes=11, test_resize='stretch')
    with pytest.raises(ValueError, match="'stretch', 'pad'"):
        MaskigeAutoencoder(
            tokenizer=dict(type='DalleDVAE', checkpoint=None, **SMALL),
            palette='camvid', num_classes=11, test_resize='floor')
    model = DalleDVAE(checkpoint=None, **SMALL)
    assert model.encode(torch.rand(1, 3, 61, 90), floor=True).shape == (1, 7,
                                                                         11)
    with pytest.raises(ValueError, match='smaller than one token'):
        model.encode(torch.rand(1, 3, 7, 90), floor=True)
