package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
)

// newDAOCmds are the DAO's subcommands of "phala gov".
func newDAOCmds(g *globals) []*cobra.Command {
	var from string
	cmds := []*cobra.Command{newDAOProposeCmd(g, &from), newDAOVoteCmd(g, &from), newDAOLockCmd(g, &from, false), newDAOLockCmd(g, &from, true)}
	for _, c := range cmds {
		fromFlag(c.Flags(), &from)
	}
	return append(cmds, newDAOTallyCmd(g), newDAOListCmd(g), newDAOWeightCmd(g))
}

func newDAOProposeCmd(g *globals, from *string) *cobra.Command {
	var title, deposit string
	cmd := newSendCmd(g, from, &cobra.Command{
		Use:   "propose KIND [ARGS...]",
		Short: "Open a DAO proposal with a deposit (kinds: text, allow-measurement, remove-measurement, add-gatekeeper, rotate-keys, set-param, treasury-spend, set-tdx-collateral)",
		Long: `Open a DAO proposal signed by --from, moving --deposit (at least the DAO's
min_deposit) into the deposit account. Votes are taken for voting_period
blocks; the deposit returns to the proposer if the vote reached quorum and
goes to the treasury otherwise. A proposal passes when the weight voting yes
is more than threshold_bps of yes plus no; it takes effect enactment_delay
blocks after the tally. Kinds and their arguments:

  text                                  no action
  allow-measurement TEE HEX             add a measurement to the allow-list (TEE: sim, tdx, sev-snp)
  remove-measurement TEE HEX            take it off the allow-list
  add-gatekeeper WORKER_ID              make a registered worker a gatekeeper
  remove-gatekeeper WORKER_ID           take a gatekeeper out (a rotation then leaves it behind)
  rotate-keys                           start a master-key rotation
  set-param MODULE PARAM JSON_VALUE     set one param (modules: dao, keys, registry, stakepool)
  treasury-spend ADDRESS AMOUNT         pay from the treasury
  set-tdx-collateral FILE               store Intel's TCB info and QE identity for a TDX platform,
                                        and/or CRLs (JSON: tcb_info,
                                        tcb_info_issuer_chain, qe_identity, qe_identity_issuer_chain:
                                        the PCS bodies and PEM issuer chains; crls: [{crl, issuer_chain}],
                                        crl the PCS pckcrl body, IntelSGXRootCA.der or, for SEV-SNP,
                                        AMD's KDS vcek/v1/{Milan,Genoa,Turin}/crl, in base64,
                                        issuer_chain its PEM Sgx-Pck-Crl-Issuer-Chain, empty for the
                                        root CA's and AMD's); none may be older than what the chain holds

A proposal whose action would not apply now is refused when proposed.`,
		Example: `  phala gov propose text --title "Adopt the roadmap" --deposit 10PHA --from alice
  phala gov propose allow-measurement sim 5f1c...e2 --title "pRuntime 1.2" --deposit 10PHA --from alice
  phala gov propose set-param keys rotation_period 86400 --title "Rotate daily" --deposit 10PHA --from alice
  phala gov propose treasury-spend phala1q...x 500PHA --title "Grant" --deposit 10PHA --from alice`,
		Args: cobra.MinimumNArgs(1),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		return proposeMsg(title, deposit, args)
	}, func(res *client.Committed, _ []string) error {
		id, _ := res.Attr(dao.EventPropose, dao.AttrProposal)
		return g.print(res, func(w io.Writer) {
			fmt.Fprintf(w, "proposal %s opened in block %d; vote with: phala gov vote %s yes --from KEY\n", id, res.Height, id)
		})
	})
	cmd.Flags().StringVar(&title, "title", "", "the proposal's title (default: the kind)")
	cmd.Flags().StringVar(&deposit, "deposit", "", "deposit, e.g. 10PHA (at least the DAO's min_deposit)")
	_ = cmd.MarkFlagRequired("deposit")
	return cmd
}

// proposeMsg builds "phala gov propose KIND ARGS..." with --title and
// --deposit, checked as the chain would.
func proposeMsg(title, deposit string, args []string) (tx.Msg, error) {
	action, err := parseAction(args[0], args[1:])
	if err != nil {
		return nil, err
	}
	amt, err := pha.Parse(deposit)
	if err != nil {
		return nil, fmt.Errorf("--deposit: %w", err)
	}
	if title == "" {
		title = args[0]
	}
	msg := &dao.MsgPropose{Title: title, Deposit: amt, Action: action}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	return msg, nil
}

func newDAOVoteCmd(g *globals, from *string) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use:   "vote PROPOSAL_ID yes|no|abstain",
		Short: "Vote on a DAO proposal; voting again changes the vote until the period ends",
		Long: `Cast --from's vote on a proposal in its voting period. One vote per
account; voting again replaces it. An account's weight is its PHA locked in
the DAO ('phala gov lock') plus the value of its stake-pool shares, read when
the proposal is tallied (so weight moved after voting does not count twice).
Abstain counts toward the quorum but not the threshold.`,
		Example: "  phala gov vote 3 yes --from alice",
		Args:    cobra.ExactArgs(2),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		id, err := parseProposalID(args[0])
		if err != nil {
			return nil, err
		}
		opt, err := dao.ParseOption(args[1])
		if err != nil {
			return nil, err
		}
		return &dao.MsgVote{Proposal: id, Option: opt}, nil
	}, func(res *client.Committed, args []string) error {
		id, _ := parseProposalID(args[0])
		return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "voted %s on proposal %d in block %d\n", args[1], id, res.Height) })
	})
}

func parseProposalID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proposal id: %w", err)
	}
	return id, nil
}

// newDAOLockCmd is "phala gov lock" or, with unlock, "phala gov unlock".
func newDAOLockCmd(g *globals, from *string, unlock bool) *cobra.Command {
	c := &cobra.Command{
		Use:     "lock AMOUNT",
		Short:   "Lock PHA in the DAO for voting weight",
		Example: "  phala gov lock 1000PHA --from alice",
		Args:    cobra.ExactArgs(1),
	}
	if unlock {
		c.Use, c.Short = "unlock AMOUNT", "Unlock PHA: it stops counting at once and returns after the DAO's unlock_delay blocks"
		c.Example = "  phala gov unlock 400PHA --from alice"
	}
	return newSendCmd(g, from, c, func(_ context.Context, args []string) (tx.Msg, error) {
		amt, err := pha.Parse(args[0])
		if err != nil {
			return nil, err
		}
		if unlock {
			return &dao.MsgUnlock{Amount: amt}, nil
		}
		return &dao.MsgLock{Amount: amt}, nil
	}, nil)
}

func newDAOTallyCmd(g *globals) *cobra.Command {
	return newFetchByCmd(g, "tally PROPOSAL_ID", "Show a proposal and its tally (the live count while voting, the final one after)",
		"  phala gov tally 3\n  phala gov tally 3 --output json", parseProposalID, (*client.Client).Proposal, func(w io.Writer, p *dao.Proposal) { printProposal(w, *p, true) })
}

// daoList is what "phala gov list" prints.
type daoList struct {
	Params    dao.Params     `json:"params"`
	Proposals []dao.Proposal `json:"proposals"`
}

func newDAOListCmd(g *globals) *cobra.Command {
	return newShowCmd(g, "gov", "list", "List DAO proposals with their status, and the DAO's params", fetchDAOList, printDAOList)
}

// fetchDAOList reads the DAO's params and every proposal.
func fetchDAOList(c *client.Client, ctx context.Context) (daoList, error) {
	var out daoList
	var err error
	if out.Params, err = c.DAOParams(ctx); err != nil {
		return daoList{}, err
	}
	if out.Proposals, err = c.Proposals(ctx); err != nil {
		return daoList{}, err
	}
	return out, nil
}

func printDAOList(w io.Writer, out *daoList) {
	p := out.Params
	fmt.Fprintf(w, "params: min deposit %s, voting %d blocks, quorum %d bps, threshold %d bps, enactment delay %d, unlock delay %d\n",
		p.MinDeposit.PHA(), p.VotingPeriod, p.QuorumBps, p.ThresholdBps, p.EnactmentDelay, p.UnlockDelay)
	printItems(w, out.Proposals, "no proposals", func(w io.Writer, pr dao.Proposal) { printProposal(w, pr, false) })
}

func newDAOWeightCmd(g *globals) *cobra.Command {
	return newFetchByCmd(g, "weight ADDRESS", "Show an account's voting weight: PHA locked in the DAO plus stake-pool value",
		"  phala gov weight phala1q...x", address.Parse, (*client.Client).VotingWeight, printWeight)
}

func printWeight(w io.Writer, wt *dao.Weight) {
	fmt.Fprintf(w, "weight %s (locked %s, staked %s) of %s in all\n", wt.Weight.PHA(), wt.Locked.PHA(), wt.Staked.PHA(), wt.Total.PHA())
	for _, u := range wt.Unlocking {
		fmt.Fprintf(w, "  unlocking %s, back at height %d\n", u.Amount.PHA(), u.Release)
	}
}

func printProposal(w io.Writer, p dao.Proposal, full bool) {
	fmt.Fprintf(w, "#%d %-9s %-18s %q  deposit %s  voting %d..%d", p.ID, p.Status, p.Action.Kind, p.Title, p.Deposit.PHA(), p.Submitted, p.VotingEnd)
	if p.EnactHeight > 0 {
		fmt.Fprintf(w, "  enact at %d", p.EnactHeight)
	}
	fmt.Fprintln(w)
	if p.Error != "" {
		fmt.Fprintf(w, "    failed: %s\n", p.Error)
	}
	if full && p.Tally != nil {
		t := p.Tally
		fmt.Fprintf(w, "    yes %s  no %s  abstain %s  of %s  (%d voters)  quorum %t  passes %t\n", t.Yes.PHA(), t.No.PHA(), t.Abstain.PHA(), t.Total.PHA(), t.Voters, t.Quorum, t.Passed)
	}
	if full {
		a, _ := json.Marshal(p.Action)
		fmt.Fprintf(w, "    action %s\n", a)
	}
}

// parseAction reads "phala gov propose KIND ARGS...".
func parseAction(kind string, args []string) (dao.Action, error) {
	want := func(n int, usage string) error {
		if len(args) != n {
			return fmt.Errorf("%s takes %s", kind, usage)
		}
		return nil
	}
	a := dao.Action{Kind: strings.ReplaceAll(kind, "-", "_")}
	switch a.Kind {
	case dao.KindText, dao.KindRotateKeys:
		return a, want(0, "no arguments")
	case dao.KindAllowMeasurement, dao.KindRemoveMeasurement:
		if err := want(2, "TEE HEX"); err != nil {
			return a, err
		}
		v, err := hex.DecodeString(strings.TrimPrefix(args[1], "0x"))
		if err != nil {
			return a, fmt.Errorf("measurement: %w", err)
		}
		a.Measurement = &registry.Measurement{TEE: tee.Kind(args[0]), Value: v}
	case dao.KindAddGatekeeper, dao.KindRemoveGatekeeper:
		if err := want(1, "WORKER_ID"); err != nil {
			return a, err
		}
		id, err := registry.ParseWorkerID(args[0])
		if err != nil {
			return a, err
		}
		a.Worker = id[:]
	case dao.KindSetParam:
		if err := want(3, "MODULE PARAM JSON_VALUE"); err != nil {
			return a, err
		}
		if !json.Valid([]byte(args[2])) {
			return a, fmt.Errorf("value %q is not JSON (quote strings: '\"x\"')", args[2])
		}
		a.Module, a.Param, a.Value = args[0], args[1], json.RawMessage(args[2])
	case dao.KindTreasurySpend:
		if err := want(2, "ADDRESS AMOUNT"); err != nil {
			return a, err
		}
		to, err := address.Parse(args[0])
		if err != nil {
			return a, err
		}
		amt, err := pha.Parse(args[1])
		if err != nil {
			return a, err
		}
		a.To, a.Amount = to, amt
	case dao.KindSetTDXCollateral:
		if err := want(1, "FILE"); err != nil {
			return a, err
		}
		raw, err := os.ReadFile(args[0])
		if err != nil {
			return a, err
		}
		a.TDXCollateral = new(tee.TDXCollateral)
		if err := json.Unmarshal(raw, a.TDXCollateral); err != nil {
			return a, fmt.Errorf("%s: %w", args[0], err)
		}
	default:
		return a, fmt.Errorf("unknown proposal kind %q (see phala gov propose --help)", kind)
	}
	return a, nil
}
