package interview

import (
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Calendar builds the iCalendar object of an interview's current state with
// github.com/arran4/golang-ical: METHOD:REQUEST while scheduled (SEQUENCE
// grows with each reschedule), METHOD:CANCEL once cancelled; the UID never
// changes, so calendar clients update the entry they already have.
func Calendar(iv Interview, organizer, link string) ([]byte, error) {
	cal := ics.NewCalendarFor("hirebus")
	status := ics.ObjectStatusConfirmed
	if iv.Status == StatusCancelled {
		cal.SetMethod(ics.MethodCancel)
		status = ics.ObjectStatusCancelled
	} else {
		cal.SetMethod(ics.MethodRequest)
	}
	ev := cal.AddEvent(iv.UID)
	ev.SetDtStampTime(time.Now().UTC())
	ev.SetSequence(iv.Sequence)
	ev.SetStartAt(iv.StartsAt.UTC())
	ev.SetEndAt(iv.EndsAt.UTC())
	ev.SetStatus(status)
	ev.SetSummary(fmt.Sprintf("Interview: %s at %s", iv.JobTitle, iv.CompanyName))
	kind := "Live video interview"
	if iv.Kind == KindAI {
		kind = "AI interview (answer the interviewer's questions in the chat)"
	}
	ev.SetDescription(kind + ". Join from hirebus: " + link)
	ev.SetLocation(link)
	if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
		ev.SetURL(link)
	}
	ev.SetOrganizer("mailto:"+organizer, ics.WithCN("hirebus interviews"))
	for _, p := range iv.Participants {
		if p.Email == "" {
			continue
		}
		ev.AddAttendee("mailto:"+p.Email, ics.WithCN(p.Name), ics.ParticipationRoleReqParticipant,
			ics.ParticipationStatusNeedsAction, ics.WithRSVP(iv.Status != StatusCancelled))
	}
	var b strings.Builder
	if err := cal.SerializeTo(&b); err != nil {
		return nil, fmt.Errorf("interview: calendar: %w", err)
	}
	return []byte(b.String()), nil
}
