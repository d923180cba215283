-- Every operand cell of every parsed report: the template-level identities of int_identity_operand_map
-- applied to the report's cells. One row per report × rule × checked column × operand cell;
-- int_identity_checks sums the sides.
with

cells as (

    select * from {{ ref('int_labelled_cells') }}
    where table_name in ('table3', 'table4')

),

operand_map as (

    select * from {{ ref('int_identity_operand_map') }}

),

final as (

    select
        cells.report_id,
        cells.agency,
        cells.report_year,
        cells.is_canonical,
        operand_map.rule,
        operand_map.column_key,
        operand_map.side,
        cells.table_name,
        cells.row_key,
        cells.col_key,
        cells.reported_value
    from cells
    inner join operand_map
        on
            cells.table_name = operand_map.table_name
            and cells.template_format = operand_map.template_format
            and cells.row_key = operand_map.row_key
            and cells.col_key = operand_map.col_key

)

select * from final
