# GSS-FT-W (stage I'): learn X⁻¹ for 40k iterations on top of the frozen
# GSS-FF Swin-L model, which is loaded from its checkpoint (train the FF
# config first, or pass --load-from). Only X⁻¹ trains (see the R101 FT-W
# config); Swin has no BN statistics, so freezing its four stages suffices.
# Paper: 80.05 mIoU.
_base_ = './gss-ff_swin-l_768x768_80k_cityscapes.py'
model = dict(
    backbone=dict(frozen_stages=4),
    decode_head=dict(
        type='GSSFTWHead',
        post_seg_channel=128,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_swin-l_768x768_80k_cityscapes/latest.pth'
runner = dict(max_iters=40000)
checkpoint_config = dict(interval=4000)
evaluation = dict(interval=4000)
