# GSS-FT-W (stage I') on the frozen GSS-FF Swin-L MSeg model: two
# shifted-window blocks in X⁻¹; AdamW lr 1.5e-3, batch 4 × 8 GPUs, 40k
# iterations, checkpoints every 10k, evaluation every 20k. The backbone
# weights come from the FF checkpoint. Paper: 61.94 h.mean.
# The learnable X⁻¹ of the authors' GenerativeSegHeadFTW (1×1 ConvModule
# 3→128, shifted-window blocks with 4 heads, window 7 and a 2× FFN, LN, 1×1
# conv → classes) runs on the maskige decoded at 2× from the predicted
# tokens. The FF part gets no gradients but runs in the model's mode, as in
# the authors' training (frozen_mode='train'); it has no auxiliary pixel
# head (released FT-W checkpoints that hold one load: those keys are
# dropped). Start from the FF checkpoint: train the FF config first or pass
# --load-from.
_base_ = './gss-ff_swin-l_512x512_160k_mseg.py'
model = dict(
    backbone=dict(frozen_stages=4, init_cfg=None),
    decode_head=dict(
        type='GSSFTWHead',
        pixel_head=None,
        post_seg_channel=128,
        post_swin_depth=2,
        post_swin_num_heads=4,
        post_swin_window_size=7,
        post_swin_mlp_ratio=2,
        frozen_mode='train',
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=1.0,
            avg_non_ignore=True,
            loss_name='loss_ce')))
optimizer = dict(lr=1.5e-3)
runner = dict(max_iters=40000)
checkpoint_config = dict(interval=10000)
evaluation = dict(interval=20000)
load_from = 'work_dirs/gss-ff_swin-l_512x512_160k_mseg/latest.pth'
