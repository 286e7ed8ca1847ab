"""The published configs are the authors' models: released checkpoints load
strictly, palettes and merged config values are theirs.

``tests/data/fidelity/keys/<config>.json`` is the ``{key: shape}`` layout of
the authors' full-size segmentor for each published config and
``tests/data/fidelity/palettes.json`` their palettes (both taken from the
official implementation, see ../shared/fidelity/README.md). The merged
config values are compared with ``../shared/fidelity/configs.json`` when
that folder is beside the clone.
"""
import json
import os.path as osp

import mmcv
import pytest
import torch
from mmseg.models import build_segmentor

from gss.maskige import Palette
from tests.conftest import ROOT
from tests.test_fidelity import our_argument
from tests.test_configs.tiny_gss import config_path

DATA = osp.join(ROOT, 'tests', 'data', 'fidelity')
CONFIGS_JSON = osp.join(
    osp.dirname(ROOT), 'shared', 'fidelity', 'configs.json')
PUBLISHED = sorted(
    name[:-len('.json')] for name in __import__('os').listdir(
        osp.join(DATA, 'keys')))


def released_state_dict(name):
    """A state dict with exactly the authors' keys and shapes."""
    with open(osp.join(DATA, 'keys', f'{name}.json')) as f:
        layout = json.load(f)
    gen = torch.Generator().manual_seed(0)
    return {
        key: torch.randn(shape, generator=gen) if shape else torch.tensor(0)
        for key, shape in layout.items()
    }


def build_published(name):
    cfg = mmcv.Config.fromfile(config_path(name))
    cfg.model.pretrained = None
    cfg.model.backbone.pop('init_cfg', None)
    return build_segmentor(cfg.model)


def test_the_ten_published_models_have_layouts():
    assert len(PUBLISHED) == 10
    assert sum(name.startswith('gss-ft-w') for name in PUBLISHED) == 5


@pytest.mark.parametrize('name', PUBLISHED)
def test_released_checkpoint_loads_strictly(name):
    model = build_published(name)
    released = released_state_dict(name)
    model.load_state_dict(dict(released), strict=True)
    state = model.state_dict()
    for key in ('decode_head.conv_seg.weight',
                'decode_head.convs.1.conv.weight',
                'decode_head.fusion_conv.conv.weight'):
        assert torch.equal(state[key], released[key]), key
    dvae = 'decode_head.d_vae.encoder.blocks.input.w'
    assert torch.equal(
        state['decode_head.tokenizer.encoder.blocks.input.w'],
        released[dvae])


@pytest.mark.parametrize('dataset', ['cityscapes', 'ade20k', 'mseg'])
def test_published_palettes_are_the_authors(dataset):
    with open(osp.join(DATA, 'palettes.json')) as f:
        official = json.load(f)[dataset]
    palette = Palette.from_name(dataset)
    assert palette.colors.tolist() == official['colors']
    assert palette.ignore_color.tolist() == official['ignore_color']
    for name in PUBLISHED:
        if name.endswith(dataset):
            cfg = mmcv.Config.fromfile(config_path(name))
            assert cfg.model.decode_head.palette == dataset


def _authors_head_values(official):
    """The authors' head settings in this project's argument names."""
    eff = official['effective_head']
    names = ['in_channels', 'in_index', 'channels', 'num_classes',
             'dropout_ratio', 'align_corners', 'indice_channel_index',
             'indice_seg_channel', 'indice_cls_channel', 'swin_depth',
             'swin_num_head', 'swin_window_size']
    values = {our_argument(name): eff[name] for name in names}
    values.update(ffn=eff['swin_ffn_channels'],
                  losses=[loss['weight'] for loss in eff['losses']])
    if 'post_seg_channel' in eff:
        names = ['post_seg_channel', 'post_swin_num_head', 'post_swin_depth',
                 'post_swin_window_size']
        values.update({our_argument(name): eff[name] for name in names})
        values['post_ffn'] = eff['post_swin_ffn_channels']
    return values


def _our_head_values(head):
    values = {k: head.get(k) for k in (
        'in_channels', 'in_index', 'channels', 'num_classes', 'dropout_ratio',
        'align_corners', 'token_level_index', 'fusion_channels',
        'classifier_channels', 'swin_depth', 'swin_num_heads',
        'swin_window_size')}
    values['ffn'] = head.swin_mlp_ratio * head.fusion_channels
    if head.type == 'GSSFTWHead':
        losses = head.loss_decode
    else:  # the authors list the token loss first
        losses = [head.loss_token, head.loss_decode]
    losses = losses if isinstance(losses, list) else [losses]
    values['losses'] = [loss.loss_weight for loss in losses]
    if head.type == 'GSSFTWHead':
        values.update({k: head[k] for k in (
            'post_seg_channel', 'post_swin_num_heads', 'post_swin_depth',
            'post_swin_window_size')})
        values['post_ffn'] = head.post_swin_mlp_ratio * head.post_seg_channel
    return values


def _pipeline_steps(pipeline, test=False):
    """Transforms as comparable dicts. The authors' test pipelines load
    and collect the annotations (mmseg 0.30 reads them from the dataset);
    ToUniversalLabel is this project's MapLabelsToUniversal."""
    steps = []
    for step in pipeline:
        step = dict(step)
        kind = step['type']
        if kind == 'LoadAnnotations' and not step.get('reduce_zero_label'):
            step.pop('reduce_zero_label', None)
        if kind == 'ToUniversalLabel':
            step = dict(type='MapLabelsToUniversal')
        if kind == 'Collect':
            step.pop('meta_keys', None)
            if test:
                step['keys'] = [k for k in step['keys']
                                if k != 'gt_semantic_seg']
        if kind == 'MultiScaleFlipAug':
            step['transforms'] = _pipeline_steps(step['transforms'], test)
        steps.append(step)
    return steps


@pytest.mark.skipif(
    not osp.isfile(CONFIGS_JSON),
    reason=f'{CONFIGS_JSON} (the reference pack) is not beside the clone')
@pytest.mark.parametrize('name', PUBLISHED)
def test_merged_config_values_are_the_authors(name):
    with open(CONFIGS_JSON) as f:
        official = json.load(f)['configs'][name]
    cfg = mmcv.Config.fromfile(config_path(name))
    ours = json.loads(json.dumps(cfg._cfg_dict.to_dict()))  # tuples → lists
    # Model.
    assert _our_head_values(cfg.model.decode_head) == \
        _authors_head_values(official)
    backbone = dict(ours['model']['backbone'])
    authors = dict(official['model']['backbone'])
    # The Swin weights: the same file, mmcv's download in both.
    for kept in (backbone, authors):
        kept.pop('with_cp', None)
    assert backbone == authors
    assert ours['model'].get('pretrained') == official['model'].get(
        'pretrained')
    assert ours['model']['test_cfg'] == official['model']['test_cfg']
    # Schedule.
    for key in ('optimizer', 'optimizer_config', 'lr_config', 'runner',
                'checkpoint_config', 'evaluation'):
        assert ours[key] == official[key], key
    # Data.
    data = official['data']
    assert ours['data']['samples_per_gpu'] == data['samples_per_gpu']
    assert ours['data']['workers_per_gpu'] == data['workers_per_gpu']
    train = ours['data']['train']
    train = train if isinstance(train, list) else [train]
    assert len(train) == len(data['train_pipelines'][0]['datasets']) or \
        len(train) == len(data['train_pipelines'])
    for dataset, reference in zip(train, data['train_pipelines']):
        if reference.get('wrapper'):
            assert dataset['type'] == 'RepeatDataset'
            assert dataset['times'] == reference['wrapper']['times']
            dataset = dataset['dataset']
        assert _pipeline_steps(dataset['pipeline']) == _pipeline_steps(
            reference['pipeline'])
    test = ours['data']['test']
    test = test['datasets'][0] if 'datasets' in test else test
    reference = [step for step in data['test_pipelines'][0]['pipeline']
                 if step['type'] != 'LoadAnnotations']
    assert _pipeline_steps(test['pipeline'], True) == _pipeline_steps(
        reference, True)
