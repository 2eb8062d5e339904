package edge

// Route adapters for the hiring domain's many one-call routes: the path's
// :id and the caller go to one domain method, whose result is the answer and
// whose error is returned as it is (every domain error is a typed events
// code, mapped once in classify). A route that checks more than its shape
// keeps its own handler.

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/company"
)

// byID answers with call(caller, :id) as JSON.
func byID[T any](call func(context.Context, company.Actor, uint64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		out, err := call(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// listByID answers with {"items": call(caller, :id)}.
func listByID[T any](call func(context.Context, company.Actor, uint64) ([]T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		list, err := call(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"items": list})
	}
}

// bodyByID binds the JSON body strictly (unknown fields refused) and
// answers status with call(caller, :id, body).
func bodyByID[In, T any](status int, call func(context.Context, company.Actor, uint64, In) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var in In
		if err := bindStrict(c, &in); err != nil {
			return err
		}
		out, err := call(c.UserContext(), actor(c), id, in)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(out)
	}
}

// bodyByIDs is bodyByID for routes naming a second object under :id (e.g.
// an attempt's question): call(caller, :id, :second, body).
func bodyByIDs[In, T any](status int, second string, call func(context.Context, company.Actor, uint64, uint64, In) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		id2, err := pathID(c, second)
		if err != nil {
			return err
		}
		var in In
		if err := bindStrict(c, &in); err != nil {
			return err
		}
		out, err := call(c.UserContext(), actor(c), id, id2, in)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(out)
	}
}
