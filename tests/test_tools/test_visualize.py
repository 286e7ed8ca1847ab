"""GSS panels: gss.visualization, tools/visualize_maskige.py, the
GSSEncoderDecoder show_result hook and tools/test.py --show-dir."""
import glob
import warnings
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmcv.cnn.utils import revert_sync_batchnorm
from mmseg.apis import inference_segmentor, init_segmentor, single_gpu_test
from mmseg.datasets import build_dataloader, build_dataset
from mmseg.utils import build_dp

from gss.datasets import CamVidDataset
from gss.maskige import MaskigeCodec
from gss.visualization import (ERROR_COLORS, IGNORE_COLOR, LEGEND_ROW_HEIGHT,
                               PLACEHOLDER_COLOR, SWATCH, SWATCH_FRAME_COLOR,
                               TITLE_HEIGHT, draw_panel, legend_key,
                               legend_rows, maskige_to_image, model_panel,
                               run_sample)
from tests.conftest import load_tool
from test_demo import make_tiny_gss

PALETTE = np.array(CamVidDataset.PALETTE, dtype=np.uint8)
H, W = 48, 64
SKY, ROAD, CAR = 0, 3, 8



@pytest.fixture(scope='module')
def codec():
    return MaskigeCodec('camvid', 11)


@pytest.fixture(scope='module')
def sample(codec):
    """Sky above road; a car predicted on the road; an ignored patch."""
    gt = np.full((H, W), ROAD, dtype=np.int64)
    gt[:H // 2] = SKY
    gt[:4, :4] = 255
    pred = gt.copy()
    pred[:4, :4] = SKY
    pred[40:, 50:] = CAR
    gt_maskige = codec.encode(torch.from_numpy(gt)[None])[0]
    gt_maskige = (gt_maskige * 255).round().byte().permute(1, 2, 0).numpy()
    rng = np.random.default_rng(0)
    return dict(
        image=rng.integers(0, 256, (H, W, 3), dtype=np.uint8),
        gt=gt,
        gt_maskige=gt_maskige,
        pred_maskige=rng.integers(0, 256, (H, W, 3), dtype=np.uint8),
        pred=pred)


def column(panel, index, height=H, width=W):
    """The image region of column ``index`` of a panel."""
    return panel[TITLE_HEIGHT:TITLE_HEIGHT + height,
                 index * width:(index + 1) * width]


def test_panel_size_is_exact(sample, codec):
    panel = draw_panel(**sample, class_names=CamVidDataset.CLASSES,
                       dataset_palette=PALETTE,
                       maskige_palette=codec.palette.colors)
    # LEGEND_ENTRY_WIDTH=150 gives 2 entries per 384-pixel row: 3 rows for
    # the 5 key entries, 2 for the 3 classes present (Sky, Road, Car).
    assert legend_rows(len(legend_key()), 6 * W) == 3
    assert legend_rows(3, 6 * W) == 2
    assert panel.shape == (TITLE_HEIGHT + H + 5 * LEGEND_ROW_HEIGHT, 6 * W,
                           3)
    assert panel.dtype == np.uint8


def test_panel_regions_have_palette_colours(sample, codec):
    panel = draw_panel(**sample, class_names=CamVidDataset.CLASSES,
                       dataset_palette=PALETTE,
                       maskige_palette=codec.palette.colors)
    maskige_colors = codec.palette.colors
    np.testing.assert_array_equal(column(panel, 0), sample['image'])
    # Ground truth in the dataset palette; ignored pixels black.
    assert tuple(column(panel, 1)[10, 10]) == tuple(PALETTE[SKY])
    assert tuple(column(panel, 1)[40, 10]) == tuple(PALETTE[ROAD])
    assert tuple(column(panel, 1)[0, 0]) == (0, 0, 0)
    # GT maskige in the maskige palette (different from the dataset one).
    assert tuple(column(panel, 2)[10, 10]) == tuple(maskige_colors[SKY])
    assert tuple(column(panel, 2)[40, 10]) == tuple(maskige_colors[ROAD])
    assert tuple(maskige_colors[ROAD]) != tuple(PALETTE[ROAD])
    np.testing.assert_array_equal(column(panel, 3), sample['pred_maskige'])
    assert tuple(column(panel, 4)[45, 60]) == tuple(PALETTE[CAR])
    assert tuple(column(panel, 4)[0, 0]) == tuple(PALETTE[SKY])
    # Legend, after the 3 key rows: dataset swatch then maskige swatch of
    # the first class (Sky).
    top = TITLE_HEIGHT + H + (3 * LEGEND_ROW_HEIGHT) + (LEGEND_ROW_HEIGHT -
                                                        SWATCH) // 2
    assert tuple(panel[top + 1, 3]) == tuple(PALETTE[SKY])
    assert tuple(panel[top + 1, 2 + SWATCH + 3]) == tuple(maskige_colors[SKY])
    # Third entry (Car) starts the second row.
    assert tuple(panel[top + LEGEND_ROW_HEIGHT + 1, 3]) == tuple(PALETTE[CAR])


def test_error_map_colours(sample):
    panel = draw_panel(**sample, class_names=CamVidDataset.CLASSES,
                       dataset_palette=PALETTE)
    error = column(panel, 5)
    gt, pred = sample['gt'], sample['pred']
    expected = np.where((gt != pred)[..., None], ERROR_COLORS['wrong'],
                        ERROR_COLORS['right'])
    expected[gt == 255] = ERROR_COLORS['ignored']
    np.testing.assert_array_equal(error, expected)
    assert tuple(error[45, 60]) == (255, 0, 0)
    assert tuple(error[0, 0]) == ERROR_COLORS['ignored']


def test_legend_key_labels_the_colours(sample, codec):
    """The key heads the legend: a text entry for the class swatches, then
    each colour of the error map and of ignored labels, framed so that
    dark swatches show on the black bar."""
    panel = draw_panel(**sample, class_names=CamVidDataset.CLASSES,
                       dataset_palette=PALETTE,
                       maskige_palette=codec.palette.colors)
    key = legend_key()
    assert key[0] == ((), 'class: dataset, maskige colour')
    assert legend_key(with_maskige=False)[0][1] == 'class: dataset colour'
    assert [colors for colors, _ in key[1:]] == [
        (ERROR_COLORS['wrong'], ), (ERROR_COLORS['right'], ),
        (ERROR_COLORS['ignored'], ), (IGNORE_COLOR, )
    ]
    top = TITLE_HEIGHT + H + (LEGEND_ROW_HEIGHT - SWATCH) // 2
    # Entry 1 is the second of the first row, entry 4 the first of the
    # third (two entries of LEGEND_ENTRY_WIDTH=150 per row).
    assert tuple(panel[top + 1, 150 + 3]) == ERROR_COLORS['wrong']
    black = (top + 2 * LEGEND_ROW_HEIGHT, 3)
    assert tuple(panel[black[0] + 1, black[1]]) == IGNORE_COLOR
    assert tuple(panel[black[0] - 1, black[1]]) == SWATCH_FRAME_COLOR
    # The text of entry 0 is drawn in white on the bar.
    assert panel[top:top + SWATCH, 2:140].max() > 200


def test_panel_without_ground_truth(sample):
    panel = draw_panel(sample['image'], None, None, sample['pred_maskige'],
                       sample['pred'], CamVidDataset.CLASSES, PALETTE)
    for index in (1, 2, 5):
        assert tuple(column(panel, index)[0, 0]) == PLACEHOLDER_COLOR
    assert tuple(column(panel, 4)[0, 0]) == tuple(PALETTE[SKY])


def test_panel_rejects_bad_inputs(sample):
    with pytest.raises(ValueError, match='gt_maskige is'):
        draw_panel(**dict(sample, gt_maskige=sample['gt_maskige'][1:]),
                   class_names=CamVidDataset.CLASSES,
                   dataset_palette=PALETTE)
    with pytest.raises(ValueError, match='10 colours for 11 classes'):
        draw_panel(**sample, class_names=CamVidDataset.CLASSES,
                   dataset_palette=PALETTE[:10])


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny_gss_vis')
    models = {
        mode: make_tiny_gss(root, 'GSSEncoderDecoder', mode)
        for mode in ('whole', 'slide')
    }
    models['ftw'] = make_tiny_gss(root, 'GSSEncoderDecoder', 'whole',
                                  'GSSFTWHead')
    return models


def load_model(config, checkpoint, street_data):
    cfg = mmcv.Config.fromfile(config)
    cfg.data.test.data_root = street_data
    return revert_sync_batchnorm(init_segmentor(cfg, checkpoint, 'cpu'))


def val_files(street_data):
    images = sorted(glob.glob(osp.join(street_data, 'val', '*.png')))
    return images, [p.replace('/val/', '/valannot/') for p in images]


def first_test_batch(model):
    """The first batch of the model's test split, as mmseg's loop gives it.
    """
    dataset = build_dataset(model.cfg.data.test)
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    data = next(iter(loader))
    path = osp.join(dataset.img_dir, dataset.img_infos[0]['filename'])
    return data['img'][0], data['img_metas'][0].data[0], path


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_maskige_test_path_keeps_the_prediction(tiny_models, street_data,
                                                mode):
    """The maskige rides along mmseg's inference: the class probabilities
    are exactly those of EncoderDecoder.inference."""
    model = load_model(*tiny_models[mode], street_data)
    img, metas, _ = first_test_batch(model)
    with torch.no_grad():
        probs, maskige = model.inference_with_maskige(img, metas, True)
        expected = model.inference(img, metas, True)
    assert torch.equal(probs, expected)
    assert maskige.shape == (1, 3) + tuple(probs.shape[2:])
    assert 0 <= maskige.min() and maskige.max() <= 1


def test_whole_maskige_decodes_to_the_prediction(tiny_models, street_data):
    """Whole test: X⁻¹ of the test path's maskige is exactly the prediction
    (the scores of GSSFFHead.forward_test, not a quantised decoder)."""
    model = load_model(*tiny_models['whole'], street_data)
    img, metas, _ = first_test_batch(model)
    with torch.no_grad():
        probs, maskige = model.inference_with_maskige(img, metas, True)
    labels = model.decode_head.codec.scores(maskige).argmax(1)
    assert torch.equal(labels, probs.argmax(1))


def test_slide_maskige_averages_the_windows(tiny_models, street_data):
    """Slide test: the maskige is the mean of the windows' decoded
    maskiges (48×48 windows, stride 32, on 64×64: four)."""
    model = load_model(*tiny_models['slide'], street_data)
    img, metas, _ = first_test_batch(model)
    head = model.decode_head
    total = torch.zeros(1, 3, 64, 64)
    count = torch.zeros(1, 1, 64, 64)
    with torch.no_grad():
        for y in (0, 16):
            for x in (0, 16):
                crop = img[:, :, y:y + 48, x:x + 48]
                decoded = head.decoded_maskige(model.extract_feat(crop))
                total[:, :, y:y + 48, x:x + 48] += decoded
                count[:, :, y:y + 48, x:x + 48] += 1
        maskige = model.inference_with_maskige(img, metas, True)[1]
    torch.testing.assert_close(maskige, total / count)


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_drawn_maskige_is_the_test_path_maskige(tiny_models, street_data,
                                                mode):
    """The panel's predicted-maskige column is the model's test-path
    maskige, whether the panel comes from gss.visualization or from
    show_result after mmseg's test loop."""
    model = load_model(*tiny_models[mode], street_data)
    img, metas, path = first_test_batch(model)
    with torch.no_grad():
        probs, maskige = model.inference_with_maskige(img, metas, True)
    expected = maskige_to_image(maskige[0])
    panel = model_panel(model, path)
    np.testing.assert_array_equal(column(panel, 3, 64, 64), expected)
    np.testing.assert_array_equal(column(panel, 4, 64, 64),
                                  PALETTE[probs.argmax(1)[0].numpy()])
    with model.returning_maskige(), torch.no_grad():
        result = model(return_loss=False, img=[img], img_metas=[metas])
    shown = mmcv.bgr2rgb(model.show_result(path, result))
    np.testing.assert_array_equal(column(shown, 3, 64, 64), expected)


def test_run_sample_slide(tiny_models, street_data):
    model = load_model(*tiny_models['slide'], street_data)
    image, ann = (files[0] for files in val_files(street_data))
    gt = mmcv.imread(ann, 'unchanged').astype(np.int64)
    gt[gt == 11] = 255  # void
    out = run_sample(model, image, gt)
    assert out['pred_maskige'].shape == (64, 64, 3)
    assert out['pred_maskige'].dtype == np.uint8
    np.testing.assert_array_equal(out['pred'],
                                  inference_segmentor(model, image)[0])
    colors = model.decode_head.codec.palette.colors
    labelled = gt != 255
    np.testing.assert_array_equal(out['gt_maskige'][labelled],
                                  colors[gt[labelled]])


def test_run_sample_ftw(tiny_models, street_data):
    """FT-W: the panel shows the maskige its learned X⁻¹ reads."""
    model = load_model(*tiny_models['ftw'], street_data)
    image = val_files(street_data)[0][0]
    out = run_sample(model, image)
    img, _, _ = first_test_batch(model)
    head = model.decode_head
    with torch.no_grad():
        expected = head.decoded_maskige(model.extract_feat(img))
    np.testing.assert_array_equal(out['pred_maskige'],
                                  maskige_to_image(expected[0]))
    np.testing.assert_array_equal(out['pred'],
                                  inference_segmentor(model, image)[0])


def test_panels_need_the_maskige_test_path(tiny_models, street_data):
    cfg = mmcv.Config.fromfile(tiny_models['whole'][0])
    cfg.model.type = 'EncoderDecoder'
    cfg.data.test.data_root = street_data
    model = init_segmentor(cfg, device='cpu')
    with pytest.raises(TypeError, match="type='GSSEncoderDecoder'"):
        run_sample(model, val_files(street_data)[0][0])


def check_panel(panel, gt, maskige_colors):
    """Column 1 and 2 colours of a 64x64 panel at labelled pixels."""
    assert panel.shape[1] == 6 * 64
    rows = slice(TITLE_HEIGHT, TITLE_HEIGHT + 64)
    labelled = gt != 255
    np.testing.assert_array_equal(panel[rows, 64:128][labelled],
                                  PALETTE[gt[labelled]])
    np.testing.assert_array_equal(panel[rows, 128:192][labelled],
                                  maskige_colors[gt[labelled]])
    error = panel[rows, 320:384]
    np.testing.assert_array_equal(error[~labelled],
                                  np.broadcast_to(ERROR_COLORS['ignored'],
                                                  error[~labelled].shape))


def test_visualize_tool(tiny_models, street_data, tmp_path):
    config, checkpoint = tiny_models['whole']
    out_dir = str(tmp_path / 'vis')
    load_tool('visualize_maskige').main([
        config, checkpoint, '--out-dir', out_dir, '--indices', '1', '3',
        '--cfg-options', f'data.val.data_root={street_data}'
    ])
    images, anns = val_files(street_data)
    assert sorted(glob.glob(osp.join(out_dir, '*.png'))) == [
        osp.join(out_dir, osp.basename(images[i])) for i in (1, 3)]
    colors = MaskigeCodec('camvid', 11).palette.colors
    for i in (1, 3):
        panel = mmcv.bgr2rgb(
            mmcv.imread(osp.join(out_dir, osp.basename(images[i]))))
        gt = mmcv.imread(anns[i], 'unchanged').astype(np.int64)
        gt[gt == 11] = 255
        check_panel(panel, gt, colors)


def test_show_result_draws_panels_with_dataset_ground_truth(
        tiny_models, street_data, tmp_path):
    """mmseg's single_gpu_test (tools/test.py --show-dir) writes panels."""
    config, checkpoint = tiny_models['whole']
    model = load_model(config, checkpoint, street_data)
    dataset = build_dataset(model.cfg.data.test)
    model.set_show_dataset(dataset)
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    out_dir = str(tmp_path / 'show')
    results = single_gpu_test(build_dp(model, 'cpu'), loader, out_dir=out_dir)
    colors = model.decode_head.codec.palette.colors
    for index, info in enumerate(dataset.img_infos):
        panel = mmcv.bgr2rgb(mmcv.imread(osp.join(out_dir, info['filename'])))
        check_panel(panel, dataset.get_gt_seg_map_by_idx(index).astype(
            np.int64), colors)
        pred = panel[TITLE_HEIGHT:TITLE_HEIGHT + 64, 256:320]
        np.testing.assert_array_equal(pred, PALETTE[results[index]])


def test_test_tool_show_dir(tiny_models, street_data, tmp_path):
    config, checkpoint = tiny_models['whole']
    show_dir = str(tmp_path / 'show')
    load_tool('test').main([
        config, checkpoint, '--show-dir', show_dir, '--cfg-options',
        f'data.test.data_root={street_data}'
    ])
    images = val_files(street_data)[0]
    for image in images:
        panel = mmcv.imread(osp.join(show_dir, osp.basename(image)))
        assert panel.shape[:2][1] == 6 * 64
        assert panel.shape[0] > TITLE_HEIGHT + 64


def test_show_result_keeps_overlay_for_other_heads(tiny_models, street_data):
    cfg = mmcv.Config.fromfile(tiny_models['whole'][0])
    cfg.model.decode_head = dict(
        type='FCNHead', in_channels=64, in_index=3, channels=8, num_convs=1,
        num_classes=11, norm_cfg=dict(type='BN'))
    cfg.data.test.data_root = street_data
    model = init_segmentor(cfg, device='cpu')
    model.CLASSES, model.PALETTE = CamVidDataset.CLASSES, PALETTE
    image = val_files(street_data)[0][0]
    result = inference_segmentor(model, image)
    out = model.show_result(image, result, opacity=1.0)
    np.testing.assert_array_equal(out, PALETTE[result[0]][..., ::-1])


def test_show_result_draws_the_given_image_not_the_last_one(
        tiny_models, street_data, tmp_path):
    """Infer f0 then f1: the panel of (f0, r0) shows f0's maskige, whether
    the result carries its input (inference_segmentor) or not (a plain
    list, e.g. loaded from a file: the test pipeline runs on f0)."""
    model = load_model(*tiny_models['whole'], street_data)
    f0, f1 = val_files(street_data)[0][:2]
    r0 = inference_segmentor(model, f0)
    inference_segmentor(model, f1)
    expected = {}
    for name, image in (('f0', f0), ('f1', f1)):
        expected[name] = run_sample(model, image)['pred_maskige']
    assert not np.array_equal(expected['f0'], expected['f1'])
    for result in (r0, [r0[0]]):
        panel = mmcv.bgr2rgb(model.show_result(f0, result))
        tiles = np.split(panel[TITLE_HEIGHT:TITLE_HEIGHT + 64], 6, axis=1)
        np.testing.assert_array_equal(tiles[3], expected['f0'])
        np.testing.assert_array_equal(tiles[4], PALETTE[r0[0]])
        np.testing.assert_array_equal(tiles[0],
                                      mmcv.bgr2rgb(mmcv.imread(f0)))


def test_show_result_keeps_the_out_file_format(tiny_models, street_data,
                                               tmp_path):
    model = load_model(*tiny_models['whole'], street_data)
    image = val_files(street_data)[0][0]
    result = inference_segmentor(model, image)
    for name in ('panel.jpg', 'panel.png'):
        canvas = model.show_result(image, result,
                                   out_file=str(tmp_path / name))
        written = mmcv.imread(str(tmp_path / name))
        assert written.shape == canvas.shape
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'panel.jpg', 'panel.png']
    with open(tmp_path / 'panel.jpg', 'rb') as f:
        assert f.read(3) == b'\xff\xd8\xff'  # a JPEG file
    np.testing.assert_array_equal(mmcv.imread(str(tmp_path / 'panel.png')),
                                  canvas)


def test_mmseg_test_loop_show_dir_without_cfg(tiny_models, street_data,
                                              tmp_path):
    """mmseg's own (and the authors') tools/test.py --show-dir: the model
    is built from the config (no model.cfg) and gets no show dataset. At
    187fe31: "'GSSEncoderDecoder' object has no attribute 'cfg'". Now
    mmseg's overlay, with a warning naming GSS's tools/test.py."""
    from mmcv.runner import load_checkpoint
    from mmseg.models import build_segmentor
    config, checkpoint = tiny_models['whole']
    cfg = mmcv.Config.fromfile(config)
    cfg.data.test.data_root = street_data
    model = revert_sync_batchnorm(build_segmentor(cfg.model))
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.CLASSES, model.PALETTE = CamVidDataset.CLASSES, PALETTE
    dataset = build_dataset(cfg.data.test)
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    out_dir = str(tmp_path / 'show')
    with pytest.warns(UserWarning, match="GSS's tools/test.py --show-dir"):
        results = single_gpu_test(build_dp(model, 'cpu'), loader,
                                  out_dir=out_dir, opacity=1.0)
    info = dataset.img_infos[0]
    overlay = mmcv.imread(osp.join(out_dir, info['filename']))
    np.testing.assert_array_equal(overlay, PALETTE[results[0]][..., ::-1])


def test_large_whole_mode_input_warns_before_running(tiny_models,
                                                    street_data,
                                                    monkeypatch):
    """At 187fe31 a 4000×3000 image took 12 GB and 87 s without a word."""
    from gss.models.segmentors import gss_encoder_decoder
    monkeypatch.setattr(gss_encoder_decoder, 'LARGE_WHOLE_PIXELS', 64 * 48)
    model = load_model(*tiny_models['whole'], street_data)
    img, metas, _ = first_test_batch(model)  # 64×64
    with pytest.warns(UserWarning, match=r'whole-image test of a 64×64 '
                      r'input \(0.0 MP, over 0.0 MP\).*mode=slide'):
        with torch.no_grad():
            model.simple_test(img, metas)
    monkeypatch.setattr(gss_encoder_decoder, 'LARGE_WHOLE_PIXELS', 64 * 64)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with torch.no_grad():
            model.simple_test(img, metas)
