package computation

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

// Genesis is the computation section of the genesis app state: its params
// (DefaultParams when absent).
type Genesis = module.ParamsGenesis[Params]

// Phala's figures, per hour, day or year, from which ParamsFor derives the
// per-block parameters (the genesis config of the computation pallet,
// pallets/phala/src/compute/computation.rs in phala-blockchain).
const (
	budgetPHAPerDay   = 720_000
	secondsPerDay     = 86_400
	secondsPerYear    = 365 * secondsPerDay
	heartbeatSeconds  = 120 // 10 blocks of 12 s
	challengesPerHour = 2   // each worker answers about twice an hour
	slashPerHourDen   = 1000
	cooldownSeconds   = 7 * secondsPerDay
	halvingSeconds    = 180 * secondsPerDay
	// costK and costB are Phala's yearly operating cost 0.0415625·P +
	// 88.59375 PHA, as numerators over costDen.
	costK, costB, costDen = 415_625, 885_937_500, 10_000_000
)

// rhoPerSecond is 1.0002^(1/3600) − 1, Phala's hourly ρ of 1.0002 for one
// second (the pallet's 1.000000666600231 per 12-s block is its 12th power).
var rhoPerSecond = fixedpoint.MustParse("0.00000005555000228353096711581182518")

// Phala's bounds: DAO proposals and genesis may tune the economy, but not
// past these.
var (
	// maxVMax is Phala's v_max.
	maxVMax = fixedpoint.FromInt(30_000)
	// maxGrowthPerBlock is a whole hour of Phala's growth (ρ−1 = 0.0002)
	// in one block.
	maxGrowthPerBlock = fixedpoint.MustParse("0.0002")
	// maxBudgetPerBlock is twice Phala's daily budget (its
	// set_budget_per_block allows twice the budget limit).
	maxBudgetPerBlock = pha.Whole(2 * budgetPHAPerDay)
)

// ParamsFor returns Phala's genesis economy expressed for blocks of the
// given length in seconds: the budget per block is 720,000 PHA ·
// seconds / 86,400 (rounded down), the heartbeat window is 120 s rounded up
// to whole blocks, the challenge threshold gives two challenges per worker
// per hour, ρ is 1.0002^(seconds/3600), the operating cost is Phala's
// yearly cost prorated, the slash rate is 0.001·seconds/3600, the budget
// falls to 75 % every 180 days of blocks, and the cool-down is 7 days of
// blocks.
func ParamsFor(seconds uint64) Params {
	if seconds == 0 {
		seconds = 1
	}
	budget, err := pha.Whole(budgetPHAPerDay).MulDiv(pha.Units(seconds), pha.Units(secondsPerDay))
	if err != nil {
		panic(err) // a constant times a small number
	}
	growth := mustFP(fixedpoint.One.Add(rhoPerSecond))
	growth = mustFP(growth.Pow(seconds))
	growth = mustFP(growth.Sub(fixedpoint.One))
	slash := mustFP(fixedpoint.FromRatio(seconds, slashPerHourDen*3600))
	threshold := ^uint64(0)
	if per := uint64(3600 / challengesPerHour); seconds < per {
		// floor(2^64 · seconds / 1800)
		t, _ := fixedpoint.FromRatio(seconds, per)
		_, threshold = t.Bits()
	}
	return Params{
		BudgetPerBlock:        budget,
		TreasuryRatioBps:      2000,
		VMax:                  fixedpoint.FromInt(30_000),
		Re:                    fixedpoint.MustParse("1.3"),
		RigK:                  fixedpoint.MustParse("0.3"),
		RigB:                  fixedpoint.Zero,
		K:                     fixedpoint.FromInt(100),
		MinBenchmark:          50,
		VGrowthPerBlock:       growth,
		CostK:                 mustFP(fixedpoint.FromRatio(costK*seconds, costDen*secondsPerYear)),
		CostB:                 mustFP(fixedpoint.FromRatio(costB*seconds, costDen*secondsPerYear)),
		SlashRatePerBlock:     slash,
		BudgetHalvingInterval: int64(max(1, halvingSeconds/seconds)),
		BudgetHalvingKeep:     fixedpoint.MustRatio(3, 4),
		HeartbeatWindow:       int64((heartbeatSeconds + seconds - 1) / seconds),
		ChallengeThreshold:    threshold,
		CooldownBlocks:        int64(max(1, cooldownSeconds/seconds)),
	}
}

// DefaultParams is Phala's economy for this chain's 1-second blocks: 8.333…
// PHA per block falling to 75 % every 15,552,000 blocks (180 days), a
// 120-block heartbeat window, ρ−1 = 5.555·10^-8 and a slash of
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
	case p.BudgetHalvingInterval < 0:
		return fmt.Errorf("%w: budget_halving_interval %d is negative", ErrBadGenesis, p.BudgetHalvingInterval)
	}
	return p.checkBounds()
}

// checkBounds refuses parameters outside Phala's mechanism, naming the
// parameter and the bound.
func (p Params) checkBounds() error {
	switch {
	case p.K.IsZero():
		return fmt.Errorf("%w: k must be positive (Phala: 100), or any stake could compute", ErrParamOutOfBounds)
	case maxVMax.LT(p.VMax):
		return fmt.Errorf("%w: v_max %s is above Phala's %s", ErrParamOutOfBounds, p.VMax, maxVMax)
	case maxGrowthPerBlock.LT(p.VGrowthPerBlock):
		return fmt.Errorf("%w: v_growth_per_block %s is above %s (Phala's growth of an hour)", ErrParamOutOfBounds, p.VGrowthPerBlock, maxGrowthPerBlock)
	case maxBudgetPerBlock.LT(p.BudgetPerBlock):
		return fmt.Errorf("%w: budget_per_block %s is above %s (twice Phala's daily budget)", ErrParamOutOfBounds, p.BudgetPerBlock.PHA(), maxBudgetPerBlock.PHA())
	case p.BudgetHalvingKeep.IsZero() || fixedpoint.One.LT(p.BudgetHalvingKeep):
		return fmt.Errorf("%w: budget_halving_keep %s must be in (0, 1] (Phala: 0.75): the schedule only lowers the budget", ErrParamOutOfBounds, p.BudgetHalvingKeep)
	}
	return nil
}
