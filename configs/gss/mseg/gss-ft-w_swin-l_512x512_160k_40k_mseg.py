# GSS-FT-W (stage I'): learn X⁻¹ for 40k iterations on top of the frozen
# GSS-FF Swin-L MSeg model, which is loaded from its checkpoint (train the FF
# config first, or pass --load-from). Only X⁻¹ trains (see the HRNet-W48
# FT-W config). Paper: 61.94 h.mean.
_base_ = './gss-ff_swin-l_512x512_160k_mseg.py'
model = dict(
    backbone=dict(frozen_stages=4),
    decode_head=dict(
        type='GSSFTWHead',
        post_seg_channel=128,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_swin-l_512x512_160k_mseg/latest.pth'
runner = dict(max_iters=40000)
checkpoint_config = dict(interval=4000)
evaluation = dict(interval=4000)
