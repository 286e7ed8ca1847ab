"""EncoderDecoder whose test path can return the predicted maskige, and
whose ``show_result`` draws GSS panels."""
import contextlib
import warnings

import mmcv
import torch
from mmseg.models.builder import SEGMENTORS
from mmseg.models.segmentors import EncoderDecoder

from ...utils import argmax
from ...visualization import draw_panel, maskige_parts, maskige_to_image
from .fast_simple_test import FastSimpleTestMixin
from .strict_loading import StrictLoadingMixin

#: Channels the maskige adds to the class scores in the joint test path.
MASKIGE_CHANNELS = 3
#: Pixels of a whole-mode test input above which a warning is given: four
#: Cityscapes frames (2048×1024), the largest input of a published config.
LARGE_WHOLE_PIXELS = 4 * 2048 * 1024


def flip_back(tensor, img_meta):
    """Undo the test-time flip of ``img_meta[0]`` on (B, C, H, W) maps, as
    ``EncoderDecoder.inference`` does."""
    if not img_meta[0].get('flip', False):
        return tensor
    dims = {'horizontal': (3, ), 'vertical': (2, )}
    return tensor.flip(dims=dims[img_meta[0]['flip_direction']])


class SegResult(list):
    """A segmentor's test output (one label map per image) with the maskige
    each was read from.

    mmseg's test loops keep only the label maps (``results.extend(result)``)
    and hand the whole output to ``show_result``.

    Args:
        seg_maps (list[np.ndarray]): (H, W) label maps.
        maskige (Tensor): (B, 3, H, W) maskige in [0, 1] decoded from the
            predicted tokens, aligned with ``seg_maps``.
        img_meta (list[dict]): The metas of the images (their
            ``ori_filename`` finds the ground truth of a panel).

    Attributes:
        maskiges (list[np.ndarray]): (H, W, 3) uint8 RGB maskiges.
        filenames (list[str | None]): ``ori_filename`` of each image.
    """

    def __init__(self, seg_maps, maskige, img_meta):
        super().__init__(seg_maps)
        self.maskiges = [maskige_to_image(m) for m in maskige]
        self.filenames = [meta.get('ori_filename') for meta in img_meta]


@SEGMENTORS.register_module()
class GSSEncoderDecoder(StrictLoadingMixin, FastSimpleTestMixin,
                        EncoderDecoder):
    """:class:`EncoderDecoder` that can return the maskige of its prediction
    and visualises GSS models as panels.

    Training and inference are those of ``EncoderDecoder``. With
    ``return_maskige`` set (:meth:`set_show_dataset` sets it, or the
    :meth:`returning_maskige` context), ``simple_test``/``aug_test`` return
    a :class:`SegResult`: the label maps and the maskige the GSS head
    decoded from its predicted tokens, produced by mmseg's own whole or
    sliding-window inference in the same pass — the head's
    :meth:`~gss.models.heads.GSSFFHead.forward_test_with_maskige` gives the
    maskige as three more channels beside the class scores, which mmseg
    resizes, averages over windows and rescales as it does the scores.
    ``aug_test`` shows the maskige of the first view.

    With a GSS decode head, ``show_result`` (what ``tools/test.py
    --show-dir`` and mmseg's ``single_gpu_test`` call after each forward)
    draws the panel of :mod:`gss.visualization` instead of a colour
    overlay: input, ground truth, GT maskige, maskige of the predicted
    tokens, prediction and error map. Ground truth comes from
    ``show_result(gt_semantic_seg=...)`` or from a dataset given to
    :meth:`set_show_dataset` (matched by ``img_meta['ori_filename']``);
    without it those columns show a placeholder. Other heads keep the
    plain ``EncoderDecoder`` overlay.

    A state dict that does not fit the model is refused, whoever loads it
    (:class:`StrictLoadingMixin`). Labels are taken with the faster argmax
    of :class:`FastSimpleTestMixin`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_maskige = False
        self._show_dataset = None
        self._show_index = None
        self._maskige_channels = False

    @property
    def has_gss_head(self):
        """Whether the decode head decodes maskige tokens (GSS-FF/FT-W)."""
        return hasattr(self.decode_head, 'forward_test_with_maskige')

    def set_show_dataset(self, dataset):
        """Draw panels of ``dataset``: take the ground truth of shown images
        from it, and return the predicted maskige with each test result.

        Args:
            dataset (CustomDataset): The test dataset whose samples are
                shown (``get_gt_seg_map_by_idx`` gives their labels).
        """
        self._show_dataset = dataset
        self._show_index = {
            info['filename']: i for i, info in enumerate(dataset.img_infos)
        }
        self.return_maskige = True

    @contextlib.contextmanager
    def returning_maskige(self):
        """A context in which the test path returns :class:`SegResult`."""
        previous, self.return_maskige = self.return_maskige, True
        try:
            yield self
        finally:
            self.return_maskige = previous

    @contextlib.contextmanager
    def _with_maskige_channels(self):
        # mmseg's slide inference sizes its buffers by out_channels.
        self._maskige_channels = True
        self.out_channels += MASKIGE_CHANNELS
        try:
            yield
        finally:
            self.out_channels -= MASKIGE_CHANNELS
            self._maskige_channels = False

    def whole_inference(self, img, img_meta, rescale):
        height, width = img.shape[-2:]
        if height * width > LARGE_WHOLE_PIXELS:
            # Activations grow with the pixel count: say so before the
            # machine runs out of memory or minutes.
            warnings.warn(
                f'whole-image test of a {width}×{height} input '
                f'({height * width / 1e6:.1f} MP, over '
                f'{LARGE_WHOLE_PIXELS / 1e6:.1f} MP): memory and time grow '
                'with the pixel count. Resize in the test pipeline '
                '(Resize img_scale) or test slide-wise: --cfg-options '
                'model.test_cfg.mode=slide model.test_cfg.crop_size=(H,W) '
                'model.test_cfg.stride=(h,w)')
        return super().whole_inference(img, img_meta, rescale)

    def _decode_head_forward_test(self, x, img_metas):
        if not self._maskige_channels:
            return super()._decode_head_forward_test(x, img_metas)
        scores, maskige = self.decode_head.forward_test_with_maskige(
            x, img_metas, self.test_cfg)
        return torch.cat([scores, maskige.to(scores.dtype)], dim=1)

    def inference_with_maskige(self, img, img_meta, rescale):
        """``EncoderDecoder.inference`` with the predicted maskige.

        Args:
            img (Tensor): (B, 3, H, W) normalised test images.
            img_meta (list[dict]): Their metas.
            rescale (bool): Resize to the original image shape.

        Returns:
            tuple[Tensor, Tensor]: (B, K, H', W') class probabilities,
            exactly those of ``inference``, and the (B, 3, H', W') maskige
            in [0, 1] aligned with them.
        """
        if not self.has_gss_head:
            raise TypeError(
                f'{type(self.decode_head).__name__} decodes no maskige: the '
                'maskige test path needs a GSS head (GSSFFHead, GSSFTWHead)')
        with self._with_maskige_channels():
            if self.test_cfg.mode == 'slide':
                joint = self.slide_inference(img, img_meta, rescale)
            else:
                joint = self.whole_inference(img, img_meta, rescale)
        probs = joint[:, :self.out_channels].softmax(dim=1)
        maskige = joint[:, self.out_channels:].clamp(0, 1)
        return flip_back(probs, img_meta), flip_back(maskige, img_meta)

    def _wants_maskige(self):
        # Heads without maskige keep mmseg's output (so does graph export,
        # which swaps simple_test: gss.deploy.export_friendly).
        return self.return_maskige and self.has_gss_head

    def simple_test(self, img, img_meta, rescale=True):
        if not self._wants_maskige():
            return super().simple_test(img, img_meta, rescale)
        probs, maskige = self.inference_with_maskige(img, img_meta, rescale)
        return SegResult(list(argmax(probs, 1).cpu().numpy()), maskige,
                         img_meta)

    def aug_test(self, imgs, img_metas, rescale=True):
        seg_maps = super().aug_test(imgs, img_metas, rescale)
        if not self._wants_maskige():
            return seg_maps
        maskige = self.inference_with_maskige(imgs[0], img_metas[0],
                                              rescale)[1]
        return SegResult(seg_maps, maskige, img_metas[0])

    def panel_classes(self):
        """The classes panels show.

        Returns:
            tuple[Sequence[str], bool]: ``CLASSES`` and True: the maskige
            palette paints the head's classes.
        """
        return self.CLASSES, True

    def _lookup_gt(self, filename):
        if self._show_dataset is None or self._show_dataset.ann_dir is None:
            return None
        index = self._show_index.get(filename)
        if index is None:
            return None
        return self._show_dataset.get_gt_seg_map_by_idx(index)

    def test_image(self, img):
        """The test path on one image, with its maskige.

        Args:
            img (str | np.ndarray): Image file or BGR array.

        Returns:
            SegResult: One label map and its maskige, at the image's size.
        """
        # mmseg.apis imports matplotlib: only when a panel is drawn.
        from mmseg.apis import inference_segmentor
        with self.returning_maskige():
            return inference_segmentor(self, img)

    def show_result(self,
                    img,
                    result,
                    palette=None,
                    win_name='',
                    show=False,
                    wait_time=0,
                    out_file=None,
                    opacity=0.5,
                    panel=True,
                    gt_semantic_seg=None):
        """Draw the GSS panel of ``img`` and its ``result``.

        The predicted maskige is the one ``result`` carries (a
        :class:`SegResult`), else that of this model's test path run on
        ``img`` (:meth:`test_image`, which needs the ``cfg`` that
        ``init_segmentor`` sets); without either (mmseg's own
        ``tools/test.py --show-dir``) mmseg's overlay is drawn, with a
        warning.

        Args:
            img (str | np.ndarray): The image (BGR), as given to
                ``EncoderDecoder.show_result``.
            result (list[np.ndarray]): Test output; the first map is drawn.
            palette (array-like, optional): (K, 3) RGB dataset colours;
                defaults to ``self.PALETTE``.
            win_name (str): Window name when ``show``.
            show (bool): Show the image in a window.
            wait_time (int): ``cv2.waitKey`` time when ``show``.
            out_file (str, optional): Where to write the image, in the
                format its extension names (PNG keeps the palette colours
                exact; JPEG blurs them).
            opacity (float): Overlay opacity; only used without a panel.
            panel (bool): Draw the panel (GSS heads only); False draws
                mmseg's overlay.
            gt_semantic_seg (np.ndarray, optional): (H, W) ground truth,
                overriding :meth:`set_show_dataset`.

        Returns:
            np.ndarray | None: The BGR panel (for a non-GSS head or
            ``panel=False``: mmseg's overlay, returned only when neither
            ``show`` nor ``out_file`` is set).

        Raises:
            ValueError: ``img`` and ``result`` differ in size.
        """
        if panel and self.has_gss_head and not isinstance(
                result, SegResult) and getattr(self, 'cfg', None) is None:
            # mmseg's own tools/test.py: no maskige with the result, and no
            # config (init_segmentor's model.cfg) to run the test path.
            warnings.warn(
                'show_result got no predicted maskige and the model has no '
                'cfg to compute it: drawing mmseg\'s overlay. GSS\'s '
                'tools/test.py --show-dir draws the GSS panels')
            panel = False
        if not (panel and self.has_gss_head):
            return super().show_result(img, result, palette, win_name, show,
                                       wait_time, out_file, opacity)
        image = mmcv.imread(img)
        pred = result[0]
        if image.shape[:2] != pred.shape:
            raise ValueError(
                f'show_result got an image of size {image.shape[:2]} and a '
                f'result of size {pred.shape}: pass the image the result was '
                'computed for, with rescale=True')
        if not isinstance(result, SegResult):
            # e.g. a result loaded from a file: the image's own maskige.
            result = self.test_image(image)
        gt = gt_semantic_seg
        if gt is None:
            gt = self._lookup_gt(result.filenames[0])
        palette = self.PALETTE if palette is None else palette
        gt_maskige, maskige_palette = maskige_parts(self, gt)
        canvas = draw_panel(
            mmcv.bgr2rgb(image),
            gt,
            gt_maskige,
            result.maskiges[0],
            pred,
            class_names=self.panel_classes()[0],
            dataset_palette=palette,
            ignore_index=self.decode_head.ignore_index,
            maskige_palette=maskige_palette)
        canvas = mmcv.rgb2bgr(canvas)
        if out_file is not None:
            mmcv.imwrite(canvas, out_file)
        elif show:
            mmcv.imshow(canvas, win_name, wait_time)
        return canvas
