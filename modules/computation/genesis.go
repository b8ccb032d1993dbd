package computation

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

// Genesis is the computation section of the genesis app state: its params
// (DefaultParams when absent).
type Genesis = module.ParamsGenesis[Params]

// initGenesis stores the genesis params (DefaultParams when absent).
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	return module.InitParams(ctx.KV, raw, DefaultParams, ErrBadGenesis, m.Keeper.SetParams)
}

// Phala's figures, per hour or day, from which ParamsFor derives the
// per-block parameters.
const (
	budgetPHAPerDay    = 720_000
	secondsPerDay      = 86_400
	heartbeatSeconds   = 120     // 10 blocks of 12 s
	challengesPerHour  = 2       // each worker answers about twice an hour
	growthPerSecondDen = 1000000 // V grows by 10^-6 per second (1.000012 per 12 s)
	slashPerHourDen    = 1000    // V decays by 0.001 per hour offline
	cooldownSeconds    = 7 * secondsPerDay
)

// ParamsFor returns Phala's genesis economy expressed for blocks of the
// given length in seconds: the budget per block is 720,000 PHA ·
// seconds / 86,400 (rounded down), the heartbeat window is 120 s rounded up
// to whole blocks, the challenge threshold gives two challenges per worker
// per hour, the growth factor is (1 + 10^-6)^seconds, the decay factor is
// (1 − 0.001/3600)^seconds, and the cool-down is 7 days of blocks.
func ParamsFor(seconds uint64) Params {
	if seconds == 0 {
		seconds = 1
	}
	budget, err := pha.Whole(budgetPHAPerDay).MulDiv(pha.Units(seconds), pha.Units(secondsPerDay))
	if err != nil {
		panic(err) // a constant times a small number
	}
	growth := mustFP(fixedpoint.One.Add(fixedpoint.MustRatio(1, growthPerSecondDen)))
	growth = mustFP(growth.Pow(seconds))
	growth = mustFP(growth.Sub(fixedpoint.One))
	keep := mustFP(fixedpoint.One.Sub(fixedpoint.MustRatio(1, slashPerHourDen*3600)))
	keep = mustFP(keep.Pow(seconds))
	slash := mustFP(fixedpoint.One.Sub(keep))
	threshold := ^uint64(0)
	if per := uint64(3600 / challengesPerHour); seconds < per {
		// floor(2^64 · seconds / 1800)
		t, _ := fixedpoint.FromRatio(seconds, per)
		_, threshold = t.Bits()
	}
	return Params{
		BudgetPerBlock:     budget,
		TreasuryRatioBps:   2000,
		VMax:               fixedpoint.FromInt(30_000),
		Re:                 fixedpoint.MustParse("1.3"),
		RigK:               fixedpoint.MustParse("0.3"),
		RigB:               fixedpoint.Zero,
		K:                  fixedpoint.FromInt(100),
		MinBenchmark:       50,
		VGrowthPerBlock:    growth,
		SlashRatePerBlock:  slash,
		HeartbeatWindow:    int64((heartbeatSeconds + seconds - 1) / seconds),
		ChallengeThreshold: threshold,
		CooldownBlocks:     int64(max(1, cooldownSeconds/seconds)),
	}
}

// DefaultParams is Phala's economy for this chain's 1-second blocks: 8.333…
// PHA per block, a 120-block heartbeat window, V growth 10^-6 and decay
// 1/3,600,000 per block, a 604,800-block (7-day) cool-down.
func DefaultParams() Params { return ParamsFor(1) }

// DevnetParams are DefaultParams with periods short enough to watch on a
// devnet: a 60-block cool-down, a 30-block heartbeat window and a challenge
// about every 30 blocks per worker.
func DevnetParams() Params {
	p := DefaultParams()
	p.CooldownBlocks = 60
	p.HeartbeatWindow = 30
	t, _ := fixedpoint.FromRatio(1, 30)
	_, p.ChallengeThreshold = t.Bits()
	return p
}

func mustFP(x fixedpoint.U64F64, err error) fixedpoint.U64F64 {
	if err != nil {
		panic(err)
	}
	return x
}

// Validate checks that the parameters are usable.
func (p Params) Validate() error {
	switch {
	case p.TreasuryRatioBps > 10_000:
		return fmt.Errorf("%w: treasury_ratio_bps %d is above 10000", ErrBadGenesis, p.TreasuryRatioBps)
	case p.VMax.IsZero():
		return fmt.Errorf("%w: v_max must be positive", ErrBadGenesis)
	case p.Re.LT(fixedpoint.One):
		return fmt.Errorf("%w: re %s is below 1", ErrBadGenesis, p.Re)
	case !p.SlashRatePerBlock.LT(fixedpoint.One):
		return fmt.Errorf("%w: slash_rate_per_block %s must be below 1", ErrBadGenesis, p.SlashRatePerBlock)
	case p.HeartbeatWindow <= 0 || p.HeartbeatWindow >= module.BlockHashRetention:
		return fmt.Errorf("%w: heartbeat_window %d must be between 1 and %d blocks", ErrBadGenesis, p.HeartbeatWindow, module.BlockHashRetention-1)
	case p.ChallengeThreshold == 0:
		return fmt.Errorf("%w: challenge_threshold must be positive", ErrBadGenesis)
	case p.CooldownBlocks < 0:
		return fmt.Errorf("%w: cooldown_blocks %d is negative", ErrBadGenesis, p.CooldownBlocks)
	case p.MinBenchmark > MaxBenchmark:
		return fmt.Errorf("%w: min_benchmark %d is above %d", ErrBadGenesis, p.MinBenchmark, MaxBenchmark)
	}
	if _, err := fixedpoint.One.Add(p.VGrowthPerBlock); err != nil {
		return fmt.Errorf("%w: v_growth_per_block %s: %v", ErrBadGenesis, p.VGrowthPerBlock, err)
	}
	return nil
}
