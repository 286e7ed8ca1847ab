# GSS-FT-W on CamVid, setting (b): learnable X⁻¹ on the frozen
# gss-ff_effnet-lite0_camvid.py model.
_base_ = './gss-ff_effnet-lite0_camvid.py'
model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        post_seg_channel=64,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7,
        # The project's CPU models: 4× FFN, frozen part in eval mode.
        post_swin_mlp_ratio=4,
        frozen_mode='eval'))
load_from = 'work_dirs/gss-ff_effnet-lite0_camvid/latest.pth'
# The X⁻¹'s window attention runs at full crop resolution, the costliest
# part on a CPU: batch 2 of the same 256×256 crops, 300 iterations.
data = dict(samples_per_gpu=2)
runner = dict(max_iters=300)
checkpoint_config = dict(interval=300)
evaluation = dict(interval=300)
