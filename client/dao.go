package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/dao"
)

// DAOParams reads the dao's parameters.
func (c *Client) DAOParams(ctx context.Context) (dao.Params, error) {
	return queryAs[dao.Params](ctx, c, dao.ParamsPath())
}

// Proposals lists every dao proposal in id order.
func (c *Client) Proposals(ctx context.Context) ([]dao.Proposal, error) {
	return queryAs[[]dao.Proposal](ctx, c, dao.ProposalsPath())
}

// Proposal reads one dao proposal, with the live count while it is voting.
func (c *Client) Proposal(ctx context.Context, id uint64) (dao.Proposal, error) {
	return queryAs[dao.Proposal](ctx, c, dao.ProposalPath(id))
}

// VotingWeight reads an account's voting weight and the total.
func (c *Client) VotingWeight(ctx context.Context, a address.Address) (dao.Weight, error) {
	return queryAs[dao.Weight](ctx, c, dao.WeightPath(a))
}
